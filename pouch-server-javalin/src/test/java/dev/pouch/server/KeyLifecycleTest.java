package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin API over HTTP: a key's life from creation to revocation, with time moved by hand. */
class KeyLifecycleTest extends ServerTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Map<String, Object> HELLO =
      Map.of(
          "model",
          "m",
          "max_tokens",
          4,
          "messages",
          List.of(Map.of("role", "user", "content", "hello")));

  private final MutableClock clock = new MutableClock(START);

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock);
  }

  @Test
  void createShowsTheSecretOnceAndListsNeverShowItAgain() {
    TestPouch.Reply created =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("team-a").prices("1", "2").budgetMicros(5_000_000).toMap());
    assertThat(created.status()).isEqualTo(201);
    String secret = created.body().get("key").asText();
    assertThat(secret).startsWith("pa-").hasSizeGreaterThanOrEqualTo(35);
    assertThat(secret).startsWith(created.body().get("prefix").asText());
    assertThat(created.body().get("status").asText()).isEqualTo("active");
    assertThat(created.body().get("simulated").asBoolean()).isTrue();
    assertThat(created.body().at("/budget/limit_micros").asLong()).isEqualTo(5_000_000);
    assertThat(created.body().at("/provider/config/input_usd_per_mtok").decimalValue())
        .isEqualByComparingTo("1");

    String list = pouch.admin("GET", "/api/keys", null).raw();
    String one = pouch.admin("GET", "/api/keys/" + created.body().get("id").asText(), null).raw();
    assertThat(list).doesNotContain(secret).contains("team-a");
    assertThat(one).doesNotContain(secret);
  }

  @Test
  void anEditTakesEffectOnTheNextRequest() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("editable"));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);

    TestPouch.Reply edited =
        pouch.admin(
            "PUT", "/api/keys/" + key.id(), KeyBody.mock("edited").allowedModels("other").toMap());

    assertThat(edited.status()).isEqualTo(200);
    assertThat(edited.body().get("name").asText()).isEqualTo("edited");
    TestPouch.Reply refused = pouch.chat(key, HELLO);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.errorCode()).isEqualTo("model_not_allowed");
    assertThat(pouch.send("GET", "/v1/models", key.bearer(), null).body().at("/data/0/id").asText())
        .isEqualTo("other");
  }

  @Test
  void aRevokedKeyIsRefusedAtOnceButItsHistoryStays() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("doomed").prices("1", "1"));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);

    assertThat(pouch.admin("DELETE", "/api/keys/" + key.id(), null).status()).isEqualTo(204);

    TestPouch.Reply refused = pouch.chat(key, HELLO);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.errorCode()).isEqualTo("invalid_api_key");
    assertThat(pouch.admin("GET", "/api/keys/" + key.id(), null).status()).isEqualTo(404);
    assertThat(pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body()).hasSize(1);
  }

  @Test
  void anAdminBudgetResetStartsANewPeriod() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("resettable").prices("100", "100").budgetMicros(10_000));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isPositive();
    clock.advance(Duration.ofMinutes(5));

    TestPouch.Reply reset = pouch.admin("POST", "/api/keys/" + key.id() + "/budget/reset", null);

    assertThat(reset.status()).isEqualTo(200);
    assertThat(reset.body().at("/budget/spent_micros").asLong()).isZero();
    assertThat(reset.body().at("/budget/period_started_at").asText())
        .isEqualTo(START.plus(Duration.ofMinutes(5)).toString());
  }

  @Test
  void theBudgetResetsWhenItsPeriodElapses() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("daily")
                .prices("100", "100")
                .budgetMicros(10_000)
                .resetPeriodSeconds(86_400));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
    long spentDayOne = pouch.budget(key.id()).get("spent_micros").asLong();
    assertThat(spentDayOne).isPositive();

    clock.advance(Duration.ofHours(50)); // two whole periods and a bit
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);

    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isEqualTo(spentDayOne); // one request this period
    assertThat(budget.get("period_started_at").asText())
        .isEqualTo(START.plus(Duration.ofHours(48)).toString());
  }

  @Test
  void anExpiredAutoRenewingKeyRenewsItselfAndStartsAFreshBudget() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("renewing")
                .prices("100", "100")
                .budgetMicros(10_000)
                .resetPeriodSeconds(3600)
                .expiresAt(START.plus(Duration.ofHours(1)).toString(), true));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
    long spentBefore = pouch.budget(key.id()).get("spent_micros").asLong();

    clock.advance(Duration.ofMinutes(150));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);

    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body();
    assertThat(view.get("expires_at").asText())
        .isEqualTo(START.plus(Duration.ofHours(3)).toString());
    assertThat(view.get("status").asText()).isEqualTo("active");
    assertThat(view.at("/budget/spent_micros").asLong()).isEqualTo(spentBefore);
  }

  @Test
  void anExpiredKeyWithoutRenewalIsShownAsExpired() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("mortal").expiresAt(START.plus(Duration.ofDays(1)).toString(), false));
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);

    clock.advance(Duration.ofDays(2));

    assertThat(pouch.chat(key, HELLO).errorCode()).isEqualTo("key_expired");
    assertThat(pouch.admin("GET", "/api/keys/" + key.id(), null).body().get("status").asText())
        .isEqualTo("expired");
  }

  @Test
  void pluginsListTheMockProviderWithItsSchema() {
    JsonNode plugins = pouch.admin("GET", "/api/plugins", null).body();
    JsonNode mock = plugins.get("providers").get(0);
    assertThat(mock.get("id").asText()).isEqualTo("mock");
    List<String> fields = mock.at("/schema/fields").findValuesAsText("name");
    assertThat(fields)
        .contains(
            "response_text",
            "input_usd_per_mtok",
            "output_usd_per_mtok",
            "latency_ms",
            "stream_chunk_delay_ms",
            "ignore_max_tokens",
            "fail_after_chunks");
    assertThat(plugins.get("middlewares").isArray()).isTrue();
  }

  @Test
  void usageSumsSpendAndTokensPerBucket() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("metered").prices("1000", "1000").budgetMicros(1_000_000));
    long expected = 0;
    for (int i = 0; i < 3; i++) {
      TestPouch.Reply reply = pouch.chat(key, HELLO);
      JsonNode usage = reply.body().get("usage");
      expected +=
          OpenAiSdkClientTest.costMicros(
              usage.get("prompt_tokens").asLong(),
              1_000_000_000,
              usage.get("completion_tokens").asLong(),
              1_000_000_000);
    }

    JsonNode hourly = pouch.admin("GET", "/api/usage?bucket=hour&key_id=" + key.id(), null).body();

    assertThat(hourly.get("data")).hasSize(1);
    assertThat(hourly.at("/data/0/requests").asLong()).isEqualTo(3);
    assertThat(hourly.at("/data/0/cost_micros").asLong()).isEqualTo(expected);
    assertThat(hourly.at("/data/0/start").asText()).isEqualTo(START.toString());
  }
}
