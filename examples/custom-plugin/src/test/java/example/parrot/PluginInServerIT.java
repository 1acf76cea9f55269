package example.parrot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin as users install it: this project's jar copied into the plugins folder of the Pouch
 * server (its fat jar, started as a separate process), then both plugins used over HTTP.
 */
class PluginInServerIT {
  private static final String ADMIN = "pt-admin-example-token";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private ParrotUpstream parrot;
  private Process pouch;
  private String base;

  @TempDir Path work;

  @BeforeEach
  void start() throws Exception {
    parrot = ParrotUpstream.start();
    Path plugins = Files.createDirectories(work.resolve("plugins"));
    Path pluginJar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
    int port = freePort();
    base = "http://127.0.0.1:" + port;
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("pouch.jar"),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--data",
                work.resolve("data").toString(),
                "--plugins-dir",
                plugins.toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("pouch.log").toFile());
    builder.environment().put("POUCH_ADMIN_TOKEN", ADMIN);
    pouch = builder.start();
    awaitHealthy();
  }

  @AfterEach
  void stop() throws Exception {
    if (pouch != null) {
      pouch.destroy();
      pouch.waitFor();
    }
    parrot.close();
  }

  @Test
  void bothPluginsFromTheJarServeOverHttp() throws Exception {
    JsonNode catalog = call("GET", "/api/plugins", ADMIN, null).json();
    assertThat(catalog.get("providers").findValuesAsText("id")).contains("parrot", "mock");
    assertThat(catalog.get("middlewares").findValuesAsText("id")).contains("max_messages");

    Reply created =
        call(
            "POST",
            "/api/keys",
            ADMIN,
            Map.of(
                "name",
                "parrot-key",
                "provider",
                Map.of(
                    "id",
                    "parrot",
                    "config",
                    Map.of("base_url", parrot.baseUrl(), "output_usd_per_mtok", 20)),
                "middlewares",
                List.of(Map.of("id", "max_messages", "config", Map.of("max_messages", 2))),
                "budget_limit_micros",
                1_000_000));
    assertThat(created.status()).isEqualTo(201);
    String appKey = created.json().get("key").asText();
    String keyId = created.json().get("id").asText();

    Reply plain = call("POST", "/v1/chat/completions", appKey, chat("hello pretty bird", false));
    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.response().headers().firstValue("x-max-messages")).contains("2");
    assertThat(plain.json().at("/choices/0/message/content").asText())
        .startsWith("Polly says hello pretty bird");
    assertThat(plain.json().at("/usage/completion_tokens").asLong()).isPositive();

    Reply streamed = call("POST", "/v1/chat/completions", appKey, chat("stream it", true));
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.response().headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    assertThat(streamed.body()).contains("\"content\":\"Polly\"").endsWith("data: [DONE]\n\n");

    Map<String, Object> tooLong =
        Map.of(
            "model",
            ParrotProvider.MODEL,
            "messages",
            List.of(message("one"), message("two"), message("three")));
    Reply refused = call("POST", "/v1/chat/completions", appKey, tooLong);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().at("/error/param").asText()).isEqualTo("messages");

    JsonNode budget = call("GET", "/api/keys/" + keyId, ADMIN, null).json().get("budget");
    assertThat(budget.get("spent_micros").asLong()).isPositive();
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    JsonNode log = call("GET", "/api/requests?key_id=" + keyId, ADMIN, null).json();
    long served = 0;
    for (JsonNode row : log) {
      served += row.get("status").asInt() == 200 ? 1 : 0;
    }
    assertThat(served).as("log rows of the two answers").isEqualTo(2);
  }

  private static Map<String, Object> chat(String text, boolean stream) {
    return Map.of(
        "model", ParrotProvider.MODEL, "stream", stream, "messages", List.of(message(text)));
  }

  private static Map<String, Object> message(String text) {
    return Map.of("role", "user", "content", text);
  }

  record Reply(HttpResponse<String> response) {
    int status() {
      return response.statusCode();
    }

    String body() {
      return response.body();
    }

    JsonNode json() throws IOException {
      return JSON.readTree(response.body());
    }
  }

  private Reply call(String method, String path, String token, Object body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }
    return new Reply(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
  }

  /** Polls {@code /healthz} until the server answers; fails with its log if it dies or hangs. */
  private void awaitHealthy() throws Exception {
    HttpRequest health = HttpRequest.newBuilder(URI.create(base + "/healthz")).build();
    for (int attempt = 0; attempt < 1_200; attempt++) {
      if (!pouch.isAlive()) {
        throw new AssertionError(
            "Pouch exited early:\n" + Files.readString(work.resolve("pouch.log")));
      }
      try {
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "Pouch did not start:\n" + Files.readString(work.resolve("pouch.log")));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
