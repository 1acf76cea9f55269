package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins are plain jars: compiled here from source against Pouch's published API, dropped in the
 * plugins folder, found through ServiceLoader at start, and used over HTTP. Broken ones are
 * skipped.
 */
class PluginDiscoveryTest {
  private static final String SERVICE = "dev.pouch.domain.chain.MiddlewareFactory";

  /** A middleware plugin that tags every answer with a header. */
  private static final String TAGGER =
      """
      package example.tagger;

      import dev.pouch.domain.chain.Middleware;
      import dev.pouch.domain.chain.MiddlewareFactory;
      import dev.pouch.domain.plugin.FieldType;
      import dev.pouch.domain.plugin.PluginConfig;
      import dev.pouch.domain.plugin.PluginInfo;
      import dev.pouch.domain.plugin.PluginSchema;
      import dev.pouch.domain.plugin.SchemaField;

      public final class TaggerFactory implements MiddlewareFactory {
        public PluginInfo info() {
          return new PluginInfo("tagger", "Tagger", "Adds x-tag to every answer.",
              PluginSchema.of(SchemaField.builder("tag", FieldType.STRING).required().build()), false);
        }

        public Middleware create(PluginConfig config) {
          String tag = config.string("tag", "");
          return chain -> chain.proceed(chain.request()).withHeader("x-tag", tag);
        }
      }
      """;

  /** A plugin whose factory cannot even be built. */
  private static final String BROKEN =
      """
      package example.broken;

      import dev.pouch.domain.chain.Middleware;
      import dev.pouch.domain.chain.MiddlewareFactory;
      import dev.pouch.domain.plugin.PluginConfig;
      import dev.pouch.domain.plugin.PluginInfo;

      public final class BrokenFactory implements MiddlewareFactory {
        public BrokenFactory() {
          throw new IllegalStateException("this plugin is broken on purpose");
        }

        public PluginInfo info() {
          return null;
        }

        public Middleware create(PluginConfig config) {
          return null;
        }
      }
      """;

  /** A plugin that claims the id of a built-in. */
  private static final String IMPOSTOR =
      TAGGER.replace("example.tagger", "example.impostor").replace("\"tagger\"", "\"rate_limit\"");

  @TempDir Path work;

  @Test
  void aPluginJarInThePluginsFolderIsLoadedAndBrokenOrDuplicateOnesAreSkipped() throws Exception {
    Path plugins = Files.createDirectories(work.resolve("plugins"));
    jar(plugins.resolve("tagger.jar"), "example.tagger.TaggerFactory", TAGGER);
    jar(plugins.resolve("broken.jar"), "example.broken.BrokenFactory", BROKEN);
    jar(plugins.resolve("impostor.jar"), "example.impostor.TaggerFactory", IMPOSTOR);

    try (TestPouch pouch = TestPouch.startWithPlugins(work.resolve("data"), plugins)) {
      JsonNode middlewares = pouch.admin("GET", "/api/plugins", null).body().get("middlewares");
      assertThat(middlewares.findValuesAsText("id"))
          .contains("tagger", "rate_limit")
          .doesNotHaveDuplicates();
      JsonNode rateLimit = findById(middlewares, "rate_limit");
      assertThat(rateLimit.get("display_name").asText())
          .as("the built-in kept its id")
          .isEqualTo("Rate limit");

      TestPouch.Reply refused =
          pouch.admin(
              "POST", "/api/keys", KeyBody.mock("tagged").middleware("tagger", Map.of()).toMap());
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.body().at("/error/param").asText()).isEqualTo("middlewares[0].config.tag");

      TestPouch.CreatedTestKey key =
          pouch.createKey(KeyBody.mock("tagged").middleware("tagger", Map.of("tag", "from-a-jar")));
      TestPouch.Reply reply =
          pouch.chat(
              key,
              Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hi"))));

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.response().headers().firstValue("x-tag")).contains("from-a-jar");
    }
  }

  private static JsonNode findById(JsonNode plugins, String id) {
    for (JsonNode plugin : plugins) {
      if (plugin.get("id").asText().equals(id)) {
        return plugin;
      }
    }
    throw new AssertionError("no plugin " + id);
  }

  /** Compiles one class against the test classpath and packs it with its service file. */
  private void jar(Path jar, String className, String source) throws IOException {
    Path sources = Files.createDirectories(work.resolve("src-" + className));
    Path classes = Files.createDirectories(work.resolve("classes-" + className));
    Path file = sources.resolve(className.substring(className.lastIndexOf('.') + 1) + ".java");
    Files.writeString(file, source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status =
        javac.run(
            null,
            null,
            null,
            "-classpath",
            System.getProperty("java.class.path"),
            "-d",
            classes.toString(),
            file.toString());
    assertThat(status).as("plugin source compiles").isZero();
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        jarOut.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        jarOut.write(Files.readAllBytes(f));
        jarOut.closeEntry();
      }
      jarOut.putNextEntry(new JarEntry("META-INF/services/" + SERVICE));
      jarOut.write((className + "\n").getBytes(StandardCharsets.UTF_8));
      jarOut.closeEntry();
    }
  }
}
