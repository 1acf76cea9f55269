package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CORS over HTTP: off by default, {@code /v1/*} for listed origins, the admin API only opt-in. */
class CorsTest {
  private static final String APP = "https://app.example.com";

  @TempDir Path data;

  @Test
  void offByDefaultNoPreflightSucceedsAndNoHeadersAreSent() throws Exception {
    try (TestPouch pouch = TestPouch.start(data)) {
      HttpResponse<String> preflight = preflight(pouch, "/v1/chat/completions", APP);
      assertThat(preflight.statusCode()).isNotEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      HttpResponse<String> get = get(pouch, "/v1/models", APP, "Bearer pa-nope");
      assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
  }

  @Test
  void listedOriginsMayCallTheProxyButNotTheAdminApi() throws Exception {
    ServerConfig config =
        TestPouch.config(data)
            .withSecurity(SecurityConfig.DEFAULTS.withCors(List.of(APP), List.of()));
    try (TestPouch pouch = TestPouch.start(config)) {
      TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("browser"));

      HttpResponse<String> preflight = preflight(pouch, "/v1/chat/completions", APP);
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains(APP);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow())
          .contains("POST");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
          .containsIgnoringCase("authorization");

      HttpResponse<String> models = get(pouch, "/v1/models", APP, key.bearer());
      assertThat(models.statusCode()).isEqualTo(200);
      assertThat(models.headers().firstValue("Access-Control-Allow-Origin")).contains(APP);
      assertThat(models.headers().firstValue("Vary")).contains("Origin");
      // Errors carry the headers too, so a browser script can read the OpenAI error.
      HttpResponse<String> refused = get(pouch, "/v1/models", APP, "Bearer pa-nope");
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).contains(APP);

      HttpResponse<String> stranger = preflight(pouch, "/v1/chat/completions", "https://evil.test");
      assertThat(stranger.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

      HttpResponse<String> adminPreflight = preflight(pouch, "/api/keys", APP);
      assertThat(adminPreflight.statusCode()).isEqualTo(401);
      assertThat(adminPreflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      HttpResponse<String> admin = get(pouch, "/api/keys", APP, "Bearer " + TestPouch.ADMIN_TOKEN);
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(admin.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
  }

  @Test
  void theAdminApiAllowsOnlyItsOwnExplicitOrigins() throws Exception {
    String ui = "https://admin.example.com";
    ServerConfig config =
        TestPouch.config(data)
            .withSecurity(SecurityConfig.DEFAULTS.withCors(List.of(), List.of(ui)));
    try (TestPouch pouch = TestPouch.start(config)) {
      HttpResponse<String> preflight = preflight(pouch, "/api/keys", ui);
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains(ui);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow())
          .contains("DELETE");
      HttpResponse<String> admin = get(pouch, "/api/keys", ui, "Bearer " + TestPouch.ADMIN_TOKEN);
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(admin.headers().firstValue("Access-Control-Allow-Origin")).contains(ui);
      // The proxy stays closed to that origin.
      assertThat(
              preflight(pouch, "/v1/chat/completions", ui)
                  .headers()
                  .firstValue("Access-Control-Allow-Origin"))
          .isEmpty();
    }
  }

  @Test
  void corsOriginsAreReadFromFlagsAndTheEnvironment() {
    ServerConfig fromFlag =
        ServerConfig.parse(
            new String[] {"--cors-origins", "https://a.example, https://b.example/"}, Map.of());
    assertThat(fromFlag.security().corsOrigins())
        .containsExactly("https://a.example", "https://b.example");
    assertThat(fromFlag.security().adminCorsOrigins()).isEmpty();
    ServerConfig fromEnv =
        ServerConfig.parse(
            new String[0],
            Map.of("POUCH_CORS_ORIGINS", "*", "POUCH_ADMIN_CORS_ORIGINS", "http://localhost:5173"));
    assertThat(fromEnv.security().corsOrigins()).containsExactly("*");
    assertThat(fromEnv.security().adminCorsOrigins()).containsExactly("http://localhost:5173");
    assertThat(ServerConfig.parse(new String[0], Map.of()).security().corsOrigins()).isEmpty();
  }

  private static HttpResponse<String> preflight(TestPouch pouch, String path, String origin)
      throws Exception {
    return pouch
        .http()
        .send(
            HttpRequest.newBuilder(URI.create(pouch.baseUrl() + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(
      TestPouch pouch, String path, String origin, String authorization) throws Exception {
    return pouch
        .http()
        .send(
            HttpRequest.newBuilder(URI.create(pouch.baseUrl() + path))
                .header("Origin", origin)
                .header("Authorization", authorization)
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
