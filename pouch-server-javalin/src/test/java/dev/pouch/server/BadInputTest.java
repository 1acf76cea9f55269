package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input answers with the status and OpenAI error shape of DESIGN §4, and leaves the store
 * exactly as it was.
 */
class BadInputTest extends ServerTest {
  private static final long BODY_LIMIT = 64 * 1024;

  private TestPouch.CreatedTestKey key;

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, BODY_LIMIT);
  }

  @BeforeEach
  void createKeyAndServeOnce() {
    key = pouch.createKey(KeyBody.mock("victim").prices("1", "2").budgetMicros(1_000_000));
    // one served request so the log is not empty
    assertThat(pouch.chat(key, chat()).status()).isEqualTo(200);
  }

  private static Map<String, Object> chat() {
    return Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hi")));
  }

  /**
   * Everything a client or admin could see of the store, but the rows of refusals: a refusal of a
   * well-formed request (expired key, model not allowed) gets its own row, at no cost.
   */
  private String snapshot() {
    StringBuilder rows = new StringBuilder();
    for (JsonNode row : pouch.admin("GET", "/api/requests?limit=1000", null).body()) {
      if (row.get("settlement").isNull()) {
        assertThat(row.get("cost_micros").asLong()).as("a refusal costs nothing").isZero();
      } else {
        rows.append(row).append('\n');
      }
    }
    return pouch.admin("GET", "/api/keys", null).raw() + rows;
  }

  private void assertRefused(Supplier<TestPouch.Reply> call, int status, String type, String code) {
    String before = snapshot();
    TestPouch.Reply reply = call.get();
    assertThat(reply.status()).as(reply.raw()).isEqualTo(status);
    assertThat(reply.body()).as("an OpenAI-shaped error body: " + reply.raw()).isNotNull();
    assertThat(reply.body().path("error").path("message").asText()).isNotBlank();
    assertThat(reply.body().path("error").has("param")).isTrue();
    assertThat(reply.errorType()).isEqualTo(type);
    if (code != null) {
      assertThat(reply.errorCode()).isEqualTo(code);
    }
    assertThat(reply.response().headers().firstValue("Content-Type"))
        .hasValueSatisfying(value -> assertThat(value).startsWith("application/json"));
    assertThat(snapshot()).as("the store is unchanged").isEqualTo(before);
  }

  private TestPouch.Reply rawChat(String body) {
    return pouch.sendRaw("POST", "/v1/chat/completions", key.bearer(), body);
  }

  @Test
  void malformedJsonIsABadRequest() {
    assertRefused(
        () -> rawChat("{\"model\": \"m\", \"messages\": ["),
        400,
        "invalid_request_error",
        "invalid_request");
    assertRefused(
        () -> rawChat("not json at all"), 400, "invalid_request_error", "invalid_request");
    assertRefused(() -> rawChat("[1,2,3]"), 400, "invalid_request_error", "invalid_request");
    assertRefused(() -> rawChat(""), 400, "invalid_request_error", "invalid_request");
    assertRefused(
        () -> rawChat("{\"a\":1} trailing"), 400, "invalid_request_error", "invalid_request");
  }

  @Test
  void wrongFieldTypesAreBadRequestsNamingTheField() {
    String[][] cases = {
      {"{\"model\":42,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "model"},
      {"{\"model\":\"m\",\"messages\":\"hi\"}", "messages"},
      {"{\"model\":\"m\",\"messages\":[]}", "messages"},
      {"{\"model\":\"m\",\"messages\":[\"hi\"]}", "messages"},
      {
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}",
        "stream"
      },
      {
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5}",
        "max_tokens"
      },
      {
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1.5}",
        "max_tokens"
      },
      {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":1000}", "n"},
    };
    for (String[] c : cases) {
      assertRefused(() -> rawChat(c[0]), 400, "invalid_request_error", "invalid_request");
      assertThat(rawChat(c[0]).body().path("error").path("param").asText()).isEqualTo(c[1]);
    }
  }

  @Test
  void aBodyOverTheLimitIsTooLarge() {
    String huge =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + "x".repeat((int) BODY_LIMIT)
            + "\"}]}";
    assertRefused(() -> rawChat(huge), 413, "invalid_request_error", "request_too_large");
    assertRefused(
        () -> pouch.sendRaw("POST", "/api/keys", "Bearer " + TestPouch.ADMIN_TOKEN, huge),
        413,
        "invalid_request_error",
        "request_too_large");
  }

  @Test
  void deeplyNestedJsonIsRefused() {
    String deep =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "[".repeat(500)
            + "]".repeat(500)
            + "}]}";
    assertRefused(() -> rawChat(deep), 400, "invalid_request_error", "invalid_request");
  }

  @Test
  void missingOrBadAppKeysAreUnauthorized() {
    String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assertRefused(
        () -> pouch.sendRaw("POST", "/v1/chat/completions", null, body),
        401,
        "invalid_request_error",
        "invalid_api_key");
    assertRefused(
        () -> pouch.sendRaw("POST", "/v1/chat/completions", "Bearer pa-wrong", body),
        401,
        "invalid_request_error",
        "invalid_api_key");
    assertRefused(
        () -> pouch.sendRaw("POST", "/v1/chat/completions", "Basic abc", body),
        401,
        "invalid_request_error",
        "invalid_api_key");
    assertRefused(
        () ->
            pouch.sendRaw("POST", "/v1/chat/completions", "Bearer " + TestPouch.ADMIN_TOKEN, body),
        401,
        "invalid_request_error",
        "invalid_api_key");
    assertRefused(
        () -> pouch.sendRaw("GET", "/v1/models", "Bearer pa-wrong", null),
        401,
        "invalid_request_error",
        "invalid_api_key");
  }

  @Test
  void anExpiredKeyIsRefused() {
    TestPouch.CreatedTestKey expired =
        pouch.createKey(KeyBody.mock("old").expiresAt("2020-01-01T00:00:00Z", false));
    assertRefused(() -> pouch.chat(expired, chat()), 401, "invalid_request_error", "key_expired");
  }

  @Test
  void aModelOutsideTheAllowedListIsForbidden() {
    TestPouch.CreatedTestKey narrow =
        pouch.createKey(KeyBody.mock("narrow").allowedModels("only-this"));
    assertRefused(
        () -> pouch.chat(narrow, chat()), 403, "invalid_request_error", "model_not_allowed");
  }

  @Test
  void theAdminApiWantsTheAdminToken() {
    assertRefused(
        () -> pouch.send("GET", "/api/keys", null, null),
        401,
        "invalid_request_error",
        "invalid_admin_token");
    assertRefused(
        () -> pouch.send("GET", "/api/keys", "Bearer wrong", null),
        401,
        "invalid_request_error",
        "invalid_admin_token");
    assertRefused(
        () -> pouch.send("POST", "/api/keys", key.bearer(), KeyBody.mock("x").toMap()),
        401,
        "invalid_request_error",
        "invalid_admin_token");
    assertRefused(
        () -> pouch.send("DELETE", "/api/keys/" + key.id(), "Bearer wrong", null),
        401,
        "invalid_request_error",
        "invalid_admin_token");
  }

  @Test
  void badKeyDefinitionsAreRefusedNamingTheField() {
    Object[][] cases = {
      {KeyBody.mock("bad/name!").toMap(), "name"},
      {KeyBody.mock("x".repeat(51)).toMap(), "name"},
      {KeyBody.mock("").toMap(), "name"},
      {Map.of("name", "k", "provider", Map.of("id", "nope")), "provider.id"},
      {Map.of("name", "k"), "provider"},
      {
        KeyBody.mock("k").providerSetting("latency_ms", "slow").toMap(),
        "provider.config.latency_ms"
      },
      {
        KeyBody.mock("k").providerSetting("no_such_field", 1).toMap(),
        "provider.config.no_such_field"
      },
      {KeyBody.mock("k").providerSetting("latency_ms", -1).toMap(), "provider.config.latency_ms"},
      {KeyBody.mock("k").budgetMicros(-1).toMap(), "budget_limit_micros"},
      {KeyBody.mock("k").set("budget_limit_micros", "lots").toMap(), "budget_limit_micros"},
      {KeyBody.mock("k").set("budget_limit_micros", 1.5).toMap(), "budget_limit_micros"},
      {KeyBody.mock("k").set("expires_at", "tomorrow").toMap(), "expires_at"},
      {KeyBody.mock("k").set("auto_renew", "yes").toMap(), "auto_renew"},
      {KeyBody.mock("k").set("surprise", true).toMap(), "surprise"},
      {
        KeyBody.mock("k").set("middlewares", List.of(Map.of("id", "nope"))).toMap(),
        "middlewares[0].id"
      },
    };
    for (Object[] c : cases) {
      assertRefused(
          () -> pouch.admin("POST", "/api/keys", c[0]), 400, "invalid_request_error", null);
      assertThat(pouch.admin("POST", "/api/keys", c[0]).body().path("error").path("param").asText())
          .isEqualTo(c[1]);
    }
    assertRefused(
        () ->
            pouch.admin(
                "PUT",
                "/api/keys/" + key.id(),
                KeyBody.mock("k").providerSetting("latency_ms", "x").toMap()),
        400,
        "invalid_request_error",
        "invalid_config");
  }

  @Test
  void unknownResourcesAreNotFound() {
    assertRefused(
        () -> pouch.admin("GET", "/api/keys/key_nope", null),
        404,
        "invalid_request_error",
        "not_found");
    assertRefused(
        () -> pouch.admin("DELETE", "/api/keys/key_nope", null),
        404,
        "invalid_request_error",
        "not_found");
    assertRefused(
        () -> pouch.admin("PUT", "/api/keys/key_nope", KeyBody.mock("k").toMap()),
        404,
        "invalid_request_error",
        "not_found");
    assertRefused(
        () -> pouch.send("GET", "/v1/nothing-here", key.bearer(), null),
        404,
        "invalid_request_error",
        "not_found");
  }

  @Test
  void badQueryParametersAreBadRequests() {
    assertRefused(
        () -> pouch.admin("GET", "/api/requests?limit=0", null),
        400,
        "invalid_request_error",
        "invalid_request");
    assertRefused(
        () -> pouch.admin("GET", "/api/requests?limit=abc", null),
        400,
        "invalid_request_error",
        "invalid_request");
    assertRefused(
        () -> pouch.admin("GET", "/api/requests?before=yesterday", null),
        400,
        "invalid_request_error",
        "invalid_request");
    assertRefused(
        () -> pouch.admin("GET", "/api/usage?bucket=week", null),
        400,
        "invalid_request_error",
        "invalid_request");
  }
}
