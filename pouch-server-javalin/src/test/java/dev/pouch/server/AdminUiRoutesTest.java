package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin UI's static files at {@code /} (built by {@code pouch-admin-ui} onto the classpath),
 * the single-page-app fallback, and the API's JSON 404s that the fallback must leave alone.
 */
class AdminUiRoutesTest {
  @TempDir Path tmp;
  private TestPouch pouch;

  @BeforeEach
  void start() {
    pouch = TestPouch.start(tmp);
  }

  @AfterEach
  void stop() {
    pouch.close();
  }

  @Test
  void theRootServesTheAppsIndexWithoutCaching() {
    TestPouch.Reply reply = pouch.send("GET", "/", null, null);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.response().headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/html");
    assertThat(reply.response().headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(reply.raw()).contains("<div id=\"app\"></div>").contains("Pouch admin");
  }

  @Test
  void pathsOfTheAppFallBackToTheIndexSoAReloadWorks() {
    String index = pouch.send("GET", "/", null, null).raw();

    for (String path : new String[] {"/usage", "/logs", "/keys/some/deep/link"}) {
      TestPouch.Reply reply = pouch.send("GET", path, null, null);
      assertThat(reply.status()).as(path).isEqualTo(200);
      assertThat(reply.raw()).as(path).isEqualTo(index);
    }
  }

  @Test
  void theBuiltAssetsAreServedWithTheirTypeAndCachedForever() {
    String index = pouch.send("GET", "/", null, null).raw();
    Matcher script = Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"").matcher(index);
    assertThat(script.find()).as(index).isTrue();

    TestPouch.Reply reply = pouch.send("GET", script.group(1), null, null);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.response().headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/javascript");
    assertThat(reply.response().headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    assertThat(reply.raw()).isNotBlank();
  }

  @Test
  void missingFilesAndEscapesAreNotFoundNotTheIndex() {
    for (String path : new String[] {"/assets/nope.js", "/favicon.ico"}) {
      TestPouch.Reply reply = pouch.send("GET", path, null, null);
      assertThat(reply.status()).as(path).isEqualTo(404);
      assertThat(reply.raw()).as(path).doesNotContain("<div id=\"app\">");
    }
    // Jetty itself refuses a path that climbs out of the root
    TestPouch.Reply escape = pouch.send("GET", "/assets/../../pom.xml", null, null);
    assertThat(escape.status()).isIn(400, 404);
    assertThat(escape.raw()).doesNotContain("<project");
  }

  @Test
  void apiPathsKeepTheirOpenAiShapedNotFound() {
    TestPouch.Reply v1 = pouch.send("GET", "/v1/nothing-here", "Bearer pa-x", null);
    TestPouch.Reply api = pouch.admin("GET", "/api/nothing-here", null);
    TestPouch.Reply bareApi = pouch.admin("GET", "/api", null);

    for (TestPouch.Reply reply : new TestPouch.Reply[] {v1, api, bareApi}) {
      assertThat(reply.status()).as(reply.raw()).isEqualTo(404);
      assertThat(reply.errorCode()).as(reply.raw()).isEqualTo("not_found");
      assertThat(reply.errorType()).as(reply.raw()).isEqualTo("invalid_request_error");
    }
    assertThat(pouch.send("GET", "/healthz", null, null).body().path("status").asText())
        .isEqualTo("ok");
  }
}
