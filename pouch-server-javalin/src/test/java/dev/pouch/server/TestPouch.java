package dev.pouch.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.adapters.webhook.WebhookRetry;
import dev.pouch.server.operations.Tracing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * A real Pouch server on a loopback port with a real SQLite file, and a plain HTTP client to drive
 * it the way users do.
 */
final class TestPouch implements AutoCloseable {
  static final String ADMIN_TOKEN = "pt-admin-test-token";

  /** Webhook retries as the server makes them, with waits short enough for tests. */
  static final WebhookRetry FAST_WEBHOOK_RETRY =
      new WebhookRetry(5, Duration.ofMillis(20), Duration.ofSeconds(5));

  private final Path dataDir;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ServerConfig config;
  private PouchServer server;

  private final Clock clock;

  private TestPouch(Path dataDir, ServerConfig config, Clock clock) {
    this.dataDir = dataDir;
    this.config = config;
    this.clock = clock;
    this.server = PouchServer.start(config, clock, Tracing.off(), FAST_WEBHOOK_RETRY);
  }

  static TestPouch start(Path dataDir) {
    return start(dataDir, 64 * 1024, Clock.systemUTC());
  }

  static TestPouch start(Path dataDir, long maxBodyBytes) {
    return start(dataDir, maxBodyBytes, Clock.systemUTC());
  }

  /** A server whose notion of time is {@code clock} (tests move it to expire keys and periods). */
  static TestPouch start(Path dataDir, Clock clock) {
    return start(dataDir, 64 * 1024, clock);
  }

  private static TestPouch start(Path dataDir, long maxBodyBytes, Clock clock) {
    return new TestPouch(dataDir, config(dataDir).withMaxBodyBytes(maxBodyBytes), clock);
  }

  /** A server whose test configuration is changed by {@code tweak} first. */
  static TestPouch start(Path dataDir, java.util.function.UnaryOperator<ServerConfig> tweak) {
    return new TestPouch(dataDir, tweak.apply(config(dataDir)), Clock.systemUTC());
  }

  /** A server that loads plugin jars from {@code pluginsDir}. */
  static TestPouch startWithPlugins(Path dataDir, Path pluginsDir) {
    return new TestPouch(dataDir, config(dataDir).withPluginsDir(pluginsDir), Clock.systemUTC());
  }

  /** A server on its own config and clock; start from {@link #config(Path)}. */
  static TestPouch start(ServerConfig config, Clock clock) {
    return new TestPouch(config.dataDir(), config, clock);
  }

  /** A server on its own config; start from {@link #config(Path)}. */
  static TestPouch start(ServerConfig config) {
    return new TestPouch(config.dataDir(), config, Clock.systemUTC());
  }

  /** The config tests start from: loopback, any free port, {@link #ADMIN_TOKEN}. */
  static ServerConfig config(Path dataDir) {
    return ServerConfig.defaults(dataDir)
        .withHost("127.0.0.1")
        .withPort(0)
        .withAdminToken(ADMIN_TOKEN)
        .withMaxBodyBytes(64 * 1024);
  }

  /** Stops the server and starts a new one on the same data folder (a restart). */
  void restart() {
    server.close();
    server = PouchServer.start(config, clock, Tracing.off(), FAST_WEBHOOK_RETRY);
  }

  Path dataDir() {
    return dataDir;
  }

  PouchServer server() {
    return server;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The OpenAI base URL clients point at. */
  String openAiBaseUrl() {
    return baseUrl() + "/v1";
  }

  ObjectMapper json() {
    return json;
  }

  /** A response with its status and parsed JSON body (null when empty or not JSON). */
  record Reply(int status, JsonNode body, String raw, HttpResponse<String> response) {
    String errorCode() {
      return body.path("error").path("code").asText(null);
    }

    String errorType() {
      return body.path("error").path("type").asText(null);
    }
  }

  Reply admin(String method, String path, Object body) {
    return send(method, path, "Bearer " + ADMIN_TOKEN, body);
  }

  Reply send(String method, String path, String authorization, Object body) {
    try {
      String raw =
          body == null ? null : body instanceof String s ? s : json.writeValueAsString(body);
      return sendRaw(method, path, authorization, raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Reply sendRaw(String method, String path, String authorization, String rawBody) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                rawBody == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(rawBody));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    if (rawBody != null) {
      request.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode parsed = null;
      if (!response.body().isEmpty()) {
        try {
          parsed = json.readTree(response.body());
        } catch (IOException notJson) {
          parsed = null;
        }
      }
      return new Reply(response.statusCode(), parsed, response.body(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Creates a key from a builder and returns what the admin API answered (201 expected). */
  CreatedTestKey createKey(KeyBody body) {
    Reply reply = admin("POST", "/api/keys", body.toMap());
    if (reply.status() != 201) {
      throw new AssertionError("key creation failed: " + reply.status() + " " + reply.raw());
    }
    return new CreatedTestKey(reply.body().get("id").asText(), reply.body().get("key").asText());
  }

  record CreatedTestKey(String id, String secret) {
    String bearer() {
      return "Bearer " + secret;
    }
  }

  /** The key's budget as the admin API shows it. */
  JsonNode budget(String keyId) {
    Reply reply = admin("GET", "/api/keys/" + keyId, null);
    if (reply.status() != 200) {
      throw new AssertionError("key lookup failed: " + reply.raw());
    }
    return reply.body().get("budget");
  }

  Reply chat(CreatedTestKey key, Object body) {
    return send("POST", "/v1/chat/completions", key.bearer(), body);
  }

  /**
   * Sends a chat request and returns as soon as the response head arrived, its body still open: for
   * tests that read a stream as it comes, or walk away from it.
   */
  HttpResponse<java.io.InputStream> openStream(CreatedTestKey key, Object body) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(openAiBaseUrl() + "/chat/completions"))
              .header("Authorization", key.bearer())
              .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpClient http() {
    return http;
  }

  @Override
  public void close() {
    server.close();
  }
}
