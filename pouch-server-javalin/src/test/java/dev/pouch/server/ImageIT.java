package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image tarball that Jib builds in the Maven profile {@code image} ({@code
 * target/pouch-image.tar}, from the {@code pouch.image.tar} system property), read as a container
 * runtime reads it: {@code index.json}, then the manifest, then the config blob. Then its layers
 * are unpacked in order into a folder and its entrypoint run there under {@code chroot} as the
 * image's user, without any other file of this machine: the smoke test that the image has all it
 * needs. Only the profile {@code image} runs this class (Failsafe excludes it otherwise), so a
 * missing tarball fails it.
 */
class ImageIT {
  private static final String USER = "65532:65532";

  @TempDir static Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path layout;
  private static JsonNode config;
  private static List<Path> layers;

  @BeforeAll
  static void unpackTheTarball() throws Exception {
    Path tarball = Path.of(System.getProperty("pouch.image.tar", "target/pouch-image.tar"));
    assertThat(tarball).as("built by `mvn -Pimage package`").isRegularFile();
    layout = Files.createDirectories(tmp.resolve("layout"));
    run(List.of("tar", "-xf", tarball.toString(), "-C", layout.toString()));

    JsonNode index = readJson(layout.resolve("index.json"));
    assertThat(index.path("manifests")).as(index::toString).hasSize(1);
    JsonNode manifest = blob(index.path("manifests").get(0).path("digest").asText());
    config = blob(manifest.path("config").path("digest").asText()).path("config");
    layers = new ArrayList<>();
    for (JsonNode layer : manifest.path("layers")) {
      layers.add(blobPath(layer.path("digest").asText()));
    }
  }

  @Test
  void theImageRunsPouchAsTheNonRootUserWithItsDataOnAVolumeAndPort8080Exposed() {
    assertThat(texts(config.path("Entrypoint")))
        .containsExactly(
            "/opt/java/bin/java", "-cp", "@/app/jib-classpath-file", "dev.pouch.server.Main");
    assertThat(config.path("User").asText()).isEqualTo(USER);
    assertThat(fieldNames(config.path("ExposedPorts"))).containsExactly("8080/tcp");
    assertThat(fieldNames(config.path("Volumes"))).containsExactly("/data");
    assertThat(texts(config.path("Env"))).contains(Setting.DATA.env() + "=/data");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/data");
    assertThat(config.path("Labels").path("org.opencontainers.image.title").asText())
        .isEqualTo("Pouch");
  }

  @Test
  void theImagesFilesAloneServeHealthzAndReadyzAsTheNonRootUser() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("rootfs"));
    for (Path layer : layers) {
      run(List.of("tar", "-xzf", layer.toString(), "-C", root.toString()));
    }
    assertThat(Files.readString(root.resolve("etc/passwd"))).contains("pouch:x:65532:65532:");

    int port = PouchProcess.freePort();
    List<String> command = new ArrayList<>();
    if (!"0".equals(run(List.of("id", "-u")).strip())) {
      fail("the smoke run unpacks the image into a folder and needs root for chroot");
    }
    command.addAll(List.of("chroot", "--userspec=" + USER, root.toString()));
    command.addAll(texts(config.path("Entrypoint")));
    command.addAll(List.of("--port", "" + port));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Path log = tmp.resolve("image-run.log");
    builder.redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.clear();
    env.putAll(imageEnv());
    // The dynamic loader finds libjli.so by $ORIGIN, which needs /proc; a container runtime
    // mounts /proc, this bare chroot does not.
    env.put("LD_LIBRARY_PATH", "/opt/java/lib");
    env.put("POUCH_ADMIN_TOKEN", "pt-admin-image-it");

    Process pouch = builder.start();
    try {
      HttpResponse<String> health = awaitAnswer(pouch, log, URI.create(url(port, "/healthz")));
      assertThat(health.statusCode()).as(health::body).isEqualTo(200);
      HttpResponse<String> ready = get(url(port, "/readyz"));
      assertThat(ready.statusCode()).as(ready::body).isEqualTo(200);
      assertThat(root.resolve("data/pouch.db"))
          .as("the SQLite store on the volume")
          .isRegularFile();
      assertThat(Files.getAttribute(root.resolve("data/pouch.db"), "unix:uid")).isEqualTo(65532);
    } finally {
      pouch.destroy();
      if (!pouch.waitFor(15, TimeUnit.SECONDS)) {
        pouch.destroyForcibly();
      }
    }
    assertThat(Files.readString(log)).contains("Pouch is serving").contains("Pouch stopped");
  }

  private static Map<String, String> imageEnv() {
    Map<String, String> env = new HashMap<>();
    for (String entry : texts(config.path("Env"))) {
      int eq = entry.indexOf('=');
      env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    return env;
  }

  private static HttpResponse<String> awaitAnswer(Process pouch, Path log, URI uri)
      throws Exception {
    // Slower than the fat jar: no /dev/urandom in the bare chroot for the first secure seed.
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (Instant.now().isBefore(deadline)) {
      if (!pouch.isAlive()) {
        fail("the image's entrypoint exited %d:%n%s", pouch.exitValue(), Files.readString(log));
      }
      try {
        return get(uri.toString());
      } catch (IOException notYet) {
        Thread.sleep(250);
      }
    }
    return fail("no answer from %s in 90 s:%n%s", uri, Files.readString(log));
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String url(int port, String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private static JsonNode blob(String digest) throws IOException {
    return readJson(blobPath(digest));
  }

  private static Path blobPath(String digest) {
    assertThat(digest).startsWith("sha256:");
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  private static JsonNode readJson(Path file) throws IOException {
    return JSON.readTree(Files.readString(file));
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(each -> texts.add(each.asText()));
    return texts;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("%s%n%s", command, output).isZero();
    return output;
  }
}
