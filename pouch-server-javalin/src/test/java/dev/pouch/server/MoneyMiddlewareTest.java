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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The middlewares that count tokens or money (token_rate_limit, spend_guard, budget_alert), driven
 * over HTTP with webhook notices received by a real HTTP endpoint.
 */
class MoneyMiddlewareTest extends ServerTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));
  private final WebhookReceiver webhook = new WebhookReceiver();

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock);
  }

  @AfterEach
  void stopWebhook() {
    webhook.close();
  }

  private static Map<String, Object> chat(int maxTokens) {
    return Map.of(
        "model",
        "m",
        "max_tokens",
        maxTokens,
        "messages",
        List.of(Map.of("role", "user", "content", "hello")));
  }

  private static long header(TestPouch.Reply reply, String name) {
    return Long.parseLong(reply.response().headers().firstValue(name).orElseThrow());
  }

  @Test
  void aTokenRateLimitCountsTheWorstCaseThenGivesBackWhatTheAnswerDidNotUse() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("tpm")
                .providerSetting("response_text", "one two three")
                .middleware("token_rate_limit", Map.of("tokens", 100, "period", 60)));

    TestPouch.Reply first = pouch.chat(key, chat(40));
    long prompt = first.body().at("/usage/prompt_tokens").asLong();
    long used = prompt + first.body().at("/usage/completion_tokens").asLong();
    assertThat(first.status()).isEqualTo(200);
    assertThat(header(first, "x-ratelimit-limit-tokens")).isEqualTo(100);
    assertThat(header(first, "x-ratelimit-remaining-tokens"))
        .as("counted at its worst case while it ran")
        .isEqualTo(100 - (prompt + 40));

    TestPouch.Reply second = pouch.chat(key, chat(40));
    assertThat(header(second, "x-ratelimit-remaining-tokens"))
        .as("the first request's unused tokens came back at its settlement")
        .isEqualTo(100 - used - (prompt + 40));

    long left = 100 - 2 * used;
    TestPouch.Reply tooMuchNow = pouch.chat(key, chat((int) (left - prompt + 1)));
    assertThat(tooMuchNow.status()).isEqualTo(429);
    assertThat(tooMuchNow.errorCode()).isEqualTo("rate_limit_exceeded");
    assertThat(tooMuchNow.response().headers().firstValue("Retry-After")).isPresent();

    TestPouch.Reply tooLargeEver = pouch.chat(key, chat(500));
    assertThat(tooLargeEver.status()).isEqualTo(429);
    assertThat(tooLargeEver.raw()).contains("too large");

    TestPouch.Reply fits = pouch.chat(key, chat((int) (left - prompt)));
    assertThat(fits.status()).as("exactly what is left fits").isEqualTo(200);

    clock.advance(Duration.ofSeconds(60));
    TestPouch.Reply refilled = pouch.chat(key, chat(90 - (int) prompt));
    assertThat(refilled.status()).isEqualTo(200);
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(rows).as("one row per request").hasSize(6);
    assertThat(rows)
        .filteredOn(row -> row.get("settlement").isNull())
        .as("refused requests reserved nothing")
        .hasSize(2)
        .allSatisfy(row -> assertThat(row.get("reserved_micros").asLong()).isZero());
  }

  @Test
  void aTokenRateLimitRefusalDoesNotConsumeTokens() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("tpm-budget")
                .prices("100", "100")
                .budgetMicros(1) // too small for any request
                .middleware("token_rate_limit", Map.of("tokens", 100, "period", 60)));

    for (int i = 0; i < 5; i++) {
      assertThat(pouch.chat(key, chat(40)).errorCode()).isEqualTo("budget_exceeded");
    }
    pouch.admin(
        "PUT",
        "/api/keys/" + key.id(),
        KeyBody.mock("tpm-budget")
            .prices("100", "100")
            .budgetMicros(1_000_000)
            .middleware("token_rate_limit", Map.of("tokens", 100, "period", 60))
            .toMap());

    TestPouch.Reply served = pouch.chat(key, chat(40));
    long prompt = served.body().at("/usage/prompt_tokens").asLong();
    assertThat(header(served, "x-ratelimit-remaining-tokens"))
        .as("the five refusals took no tokens")
        .isEqualTo(100 - (prompt + 40));
  }

  @Test
  void aSpendGuardSuspendsTheKeyWhenTheSpendPerMinuteIsReachedAndAnAdminResumesIt()
      throws Exception {
    TestPouch.CreatedTestKey probe = pouch.createKey(KeyBody.mock("probe").prices("100", "100"));
    pouch.chat(probe, chat(10));
    long oneRequest = pouch.budget(probe.id()).get("spent_micros").asLong();
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("runaway")
                .prices("100", "100")
                .budgetMicros(10_000_000)
                .middleware(
                    "spend_guard",
                    Map.of(
                        "max_spend_per_minute_micros",
                        2 * oneRequest,
                        "webhook_url",
                        webhook.url())));

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      statuses.add(pouch.chat(key, chat(10)).status());
    }
    JsonNode spent = pouch.budget(key.id());

    assertThat(statuses)
        .as("the second answer brings the minute's spend to the cap: the key stops after it")
        .containsExactly(200, 200, 403, 403, 403, 403);
    assertThat(spent.get("spent_micros").asLong()).isEqualTo(2 * oneRequest);
    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body();
    assertThat(view.get("status").asText()).isEqualTo("suspended");
    assertThat(view.at("/suspension/reason").asText()).contains("spend_guard", "last minute");
    TestPouch.Reply refused = pouch.chat(key, chat(10));
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.errorCode()).isEqualTo("key_suspended");

    JsonNode notice = webhook.next();
    assertThat(notice.get("type").asText()).isEqualTo("spend_guard.tripped");
    assertThat(notice.get("key_id").asText()).isEqualTo(key.id());
    assertThat(notice.get("reason").asText()).contains("last minute");

    TestPouch.Reply resumed = pouch.admin("POST", "/api/keys/" + key.id() + "/resume", null);
    assertThat(resumed.status()).isEqualTo(200);
    assertThat(resumed.body().get("status").asText()).isEqualTo("active");
    assertThat(resumed.body().get("suspension").isNull()).isTrue();
    assertThat(pouch.chat(key, chat(10)).status())
        .as("a resumed guard starts afresh")
        .isEqualTo(200);
    clock.advance(Duration.ofSeconds(61));
    assertThat(pouch.chat(key, chat(10)).status())
        .as("spend older than a minute no longer counts")
        .isEqualTo(200);
    assertThat(webhook.drain()).as("one notice per trip").isEmpty();
  }

  @Test
  void aSpendGuardCapsTheMoneyInFlight() throws Exception {
    TestPouch.CreatedTestKey probe = pouch.createKey(KeyBody.mock("probe").prices("100", "100"));
    long oneRequest = header(pouch.chat(probe, chat(10)), "x-pouch-reserved-micros");
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("parallel")
                .prices("100", "100")
                .providerSetting("latency_ms", 1500)
                .middleware(
                    "spend_guard", Map.of("max_in_flight_micros", oneRequest + oneRequest / 2)));

    ExecutorService clients = Executors.newFixedThreadPool(2);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<TestPouch.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      replies.add(
          clients.submit(
              () -> {
                gate.await();
                return pouch.chat(key, chat(10));
              }));
    }
    gate.countDown();
    List<String> outcomes = new ArrayList<>();
    for (Future<TestPouch.Reply> reply : replies) {
      TestPouch.Reply r = reply.get(30, TimeUnit.SECONDS);
      outcomes.add(r.status() == 200 ? "served" : r.errorCode());
    }
    clients.shutdown();

    assertThat(outcomes).containsExactlyInAnyOrder("served", "key_suspended");
    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body();
    assertThat(view.at("/suspension/reason").asText()).contains("in flight");
    assertThat(view.at("/budget/reserved_micros").asLong()).isZero();
  }

  @Test
  void anAdminCanSuspendAndResumeAKey() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("manual"));

    TestPouch.Reply suspended =
        pouch.admin(
            "POST", "/api/keys/" + key.id() + "/suspend", Map.of("reason", "leaked in a demo"));
    TestPouch.Reply badBody =
        pouch.admin("POST", "/api/keys/" + key.id() + "/suspend", Map.of("why", "x"));
    TestPouch.Reply unknown = pouch.admin("POST", "/api/keys/key_nope/resume", null);

    assertThat(suspended.status()).isEqualTo(200);
    assertThat(suspended.body().at("/suspension/reason").asText()).isEqualTo("leaked in a demo");
    assertThat(pouch.chat(key, chat(10)).errorCode()).isEqualTo("key_suspended");
    assertThat(badBody.status()).isEqualTo(400);
    assertThat(badBody.body().at("/error/param").asText()).isEqualTo("why");
    assertThat(unknown.status()).isEqualTo(404);

    pouch.restart();
    assertThat(pouch.admin("GET", "/api/keys/" + key.id(), null).body().get("status").asText())
        .as("a suspension is stored")
        .isEqualTo("suspended");
    pouch.admin("POST", "/api/keys/" + key.id() + "/resume", null);
    assertThat(pouch.chat(key, chat(10)).status()).isEqualTo(200);
  }

  @Test
  void aBudgetAlertNotifiesEachThresholdOncePerPeriod() throws Exception {
    long limit = 20_000;
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("alerting")
                .prices("100", "100")
                .budgetMicros(limit)
                .middleware(
                    "budget_alert", Map.of("webhook_url", webhook.url(), "percents", "10, 50")));

    int served = 0;
    while (pouch.budget(key.id()).get("spent_micros").asLong() * 100 < 60 * limit) {
      assertThat(pouch.chat(key, chat(10)).status()).isEqualTo(200);
      served++;
    }
    JsonNode ten = webhook.next();
    JsonNode fifty = webhook.next();

    assertThat(served).isGreaterThan(2);
    assertThat(ten.get("type").asText()).isEqualTo("budget_alert");
    assertThat(ten.get("percent").asLong()).isEqualTo(10);
    assertThat(ten.get("spent_micros").asLong() * 100).isGreaterThanOrEqualTo(10 * limit);
    assertThat(fifty.get("percent").asLong()).isEqualTo(50);
    assertThat(fifty.get("spent_micros").asLong() * 100).isGreaterThanOrEqualTo(50 * limit);
    assertThat(fifty.get("limit_micros").asLong()).isEqualTo(limit);
    assertThat(webhook.drain()).as("each threshold once").isEmpty();

    clock.advance(Duration.ofSeconds(1));
    pouch.admin("POST", "/api/keys/" + key.id() + "/budget/reset", null);
    while (pouch.budget(key.id()).get("spent_micros").asLong() * 100 < 10 * limit) {
      assertThat(pouch.chat(key, chat(10)).status()).isEqualTo(200);
    }
    assertThat(webhook.next().get("percent").asLong())
        .as("a new period alerts again")
        .isEqualTo(10);
  }

  @Test
  void webhookUrlsAndThresholdsAreValidatedWhenTheKeyIsSaved() {
    TestPouch.Reply badUrl =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("bad")
                .middleware("budget_alert", Map.of("webhook_url", "ftp://x"))
                .toMap());
    TestPouch.Reply badPercents =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("bad")
                .middleware(
                    "budget_alert", Map.of("webhook_url", webhook.url(), "percents", "50, lots"))
                .toMap());

    assertThat(badUrl.status()).isEqualTo(400);
    assertThat(badUrl.body().at("/error/param").asText())
        .isEqualTo("middlewares[0].config.webhook_url");
    assertThat(badPercents.status()).isEqualTo(400);
    assertThat(badPercents.body().at("/error/param").asText())
        .isEqualTo("middlewares[0].config.percents");
    assertThat(badPercents.body().at("/error/message").asText()).contains("lots");
  }
}
