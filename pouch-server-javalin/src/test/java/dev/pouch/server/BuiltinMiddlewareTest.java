package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The built-in middlewares, configured per key through the admin API and driven over HTTP. */
class BuiltinMiddlewareTest extends ServerTest {
  private static final Map<String, Object> HELLO =
      Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hello")));

  private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock);
  }

  @Test
  void aRateLimitedKeyAnswers429WithRetryAfterOnceItsLimitIsUsed() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("limited").middleware("rate_limit", Map.of("limit", 3, "period", 60)));

    List<TestPouch.Reply> replies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replies.add(pouch.chat(key, HELLO)); // each on its own request (and connection pool slot)
    }

    assertThat(replies).extracting(TestPouch.Reply::status).containsExactly(200, 200, 200, 429);
    TestPouch.Reply refused = replies.get(3);
    assertThat(refused.errorCode()).isEqualTo("rate_limit_exceeded");
    assertThat(refused.errorType()).isEqualTo("rate_limit_exceeded");
    assertThat(refused.response().headers().firstValue("Retry-After")).contains("20");
    assertThat(replies.get(0).response().headers().firstValue("x-ratelimit-limit-requests"))
        .contains("3");
    assertThat(replies.get(0).response().headers().firstValue("x-ratelimit-remaining-requests"))
        .contains("2");
    assertThat(replies.get(2).response().headers().firstValue("x-ratelimit-remaining-requests"))
        .contains("0");
    assertThat(refused.response().headers().firstValue("x-ratelimit-reset-requests"))
        .contains("1m0s");
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(rows).as("one row per request").hasSize(4);
    assertThat(rows.get(0).get("error_code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(rows.get(0).get("reserved_micros").asLong())
        .as("a refused request reserves nothing")
        .isZero();

    clock.advance(Duration.ofSeconds(20)); // one request's worth refilled
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(429);
  }

  @Test
  void editingTheLimitAppliesAtOnce() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("editable").middleware("rate_limit", Map.of("limit", 3, "period", 60)));
    for (int i = 0; i < 3; i++) {
      assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
    }
    assertThat(pouch.chat(key, HELLO).status()).isEqualTo(429);

    TestPouch.Reply edited =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.mock("editable")
                .middleware("rate_limit", Map.of("limit", 5, "period", 60))
                .toMap());

    assertThat(edited.status()).isEqualTo(200);
    TestPouch.Reply next = pouch.chat(key, HELLO);
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.response().headers().firstValue("x-ratelimit-limit-requests")).contains("5");
  }

  @Test
  void aConcurrencyLimitLetsOnlyThatManySlowRequestsThroughAtOnce() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("narrow")
                .providerSetting("latency_ms", 1500)
                .middleware("concurrency_limit", Map.of("max_in_flight", 2)));
    ExecutorService clients = Executors.newFixedThreadPool(6);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<TestPouch.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      replies.add(
          clients.submit(
              () -> {
                gate.await();
                return pouch.chat(key, HELLO);
              }));
    }
    gate.countDown();
    List<Integer> statuses = new ArrayList<>();
    for (Future<TestPouch.Reply> reply : replies) {
      statuses.add(reply.get(30, TimeUnit.SECONDS).status());
    }
    clients.shutdown();

    // all six overlap within the 1.5 s the upstream takes: only two may reach it
    assertThat(statuses).filteredOn(s -> s == 200).hasSize(2);
    assertThat(statuses).filteredOn(s -> s == 429).hasSize(4);
    assertThat(pouch.chat(key, HELLO).status()).as("places are given back").isEqualTo(200);
  }

  @Test
  void aMaxTokensCapLowersWhatEveryRequestMayAskFor() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("capped")
                .providerSetting(
                    "response_text", "one two three four five six seven eight nine ten")
                .middleware("max_tokens_cap", Map.of("max_tokens", 4)));

    TestPouch.Reply unbounded = pouch.chat(key, HELLO);
    TestPouch.Reply asksForMore =
        pouch.chat(
            key,
            Map.of(
                "model",
                "m",
                "max_tokens",
                100,
                "messages",
                List.of(Map.of("role", "user", "content", "hi"))));

    assertThat(unbounded.body().at("/usage/completion_tokens").asLong()).isEqualTo(4);
    assertThat(asksForMore.body().at("/usage/completion_tokens").asLong()).isEqualTo(4);
    assertThat(asksForMore.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
  }

  @Test
  void badMiddlewareConfigsAreRefusedNamingTheField() {
    TestPouch.Reply missing =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("bad").middleware("rate_limit", Map.of("period", 60)).toMap());
    TestPouch.Reply outOfRange =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("bad")
                .middleware("concurrency_limit", Map.of("max_in_flight", 0))
                .toMap());

    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.body().at("/error/param").asText()).isEqualTo("middlewares[0].config.limit");
    assertThat(outOfRange.status()).isEqualTo(400);
    assertThat(outOfRange.body().at("/error/param").asText())
        .isEqualTo("middlewares[0].config.max_in_flight");
  }

  @Test
  void thePluginCatalogListsTheBuiltInMiddlewares() {
    JsonNode middlewares = pouch.admin("GET", "/api/plugins", null).body().get("middlewares");

    assertThat(middlewares.findValuesAsText("id"))
        .contains("rate_limit", "concurrency_limit", "max_tokens_cap");
    assertThat(middlewares.get(0).has("is_default")).isTrue();
  }
}
