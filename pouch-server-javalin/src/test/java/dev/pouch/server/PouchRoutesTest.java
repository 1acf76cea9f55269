package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.adapters.mock.MockProviderFactory;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.Pouch;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pouch's routes mounted under a prefix in someone else's Javalin app, beside its own routes. */
class PouchRoutesTest {
  private static final String ADMIN = "pt-admin-mounted";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dir;
  private SqliteStore store;
  private Pouch pouch;
  private Javalin app;

  private void start(PouchRoutes.Options options) {
    store = SqliteStore.open(dir.resolve("pouch.db"));
    pouch =
        Pouch.builder()
            .keys(store)
            .ledger(store)
            .requestLog(store)
            .provider(new MockProviderFactory())
            .build();
    app =
        Javalin.create(
                cfg -> {
                  cfg.startup.showJavalinBanner = false;
                  cfg.http.compressionStrategy = CompressionStrategy.NONE;
                  cfg.routes.get("/hello", ctx -> ctx.result("the host app"));
                  PouchRoutes.mount(cfg, pouch, options);
                })
            .start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    app.stop();
    pouch.close();
    store.close();
  }

  private HttpResponse<String> call(String method, String path, String token, Object body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, Object> chat(boolean stream) {
    return Map.of(
        "model",
        "m",
        "stream",
        stream,
        "messages",
        List.of(Map.of("role", "user", "content", "hi")));
  }

  @Test
  void underAPrefixTheProxyAndTheAdminApiServeBesideTheHostsRoutes() throws Exception {
    start(PouchRoutes.Options.defaults().prefix("/llm").adminToken(ADMIN));

    assertThat(call("GET", "/hello", null, null).body()).isEqualTo("the host app");
    HttpResponse<String> created =
        call(
            "POST",
            "/llm/api/keys",
            ADMIN,
            Map.of(
                "name",
                "mounted",
                "provider",
                Map.of("id", "mock", "config", Map.of("output_usd_per_mtok", 10)),
                "budget_limit_micros",
                1_000_000));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode key = JSON.readTree(created.body());
    String secret = key.get("key").asText();

    HttpResponse<String> plain = call("POST", "/llm/v1/chat/completions", secret, chat(false));
    HttpResponse<String> streamed = call("POST", "/llm/v1/chat/completions", secret, chat(true));

    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(plain.body()).at("/object").asText()).isEqualTo("chat.completion");
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
    JsonNode budget =
        JSON.readTree(call("GET", "/llm/api/keys/" + key.get("id").asText(), ADMIN, null).body())
            .get("budget");
    assertThat(budget.get("spent_micros").asLong()).isPositive();
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(call("POST", "/v1/chat/completions", secret, chat(false)).statusCode())
        .as("nothing at the root")
        .isEqualTo(404);
  }

  @Test
  void refusalsUseOpenAisShapeAndWithoutATokenThereIsNoAdminApi() throws Exception {
    start(PouchRoutes.Options.defaults().prefix("/llm"));

    HttpResponse<String> refused = call("POST", "/llm/v1/chat/completions", "pa-x", chat(false));

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(refused.body()).at("/error/code").asText())
        .isEqualTo("invalid_api_key");
    assertThat(call("GET", "/llm/api/keys", ADMIN, null).statusCode()).isEqualTo(404);
  }
}
