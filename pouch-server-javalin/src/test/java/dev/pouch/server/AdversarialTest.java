package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The budget under adversity (issue 4): concurrency, disconnecting clients, misbehaving upstreams,
 * period resets, renewals and edits in the middle of traffic. Keys are bound to the openai provider
 * and pointed at the fake OpenAI upstream, which counts what it really served: Pouch must never
 * charge less than that, and never more than the budget.
 */
class AdversarialTest extends ServerTest {
  private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
  // gpt-4o-mini in the bundled table: $0.15 / $0.60 per million tokens
  private static final long INPUT_PER_MTOK = 150_000;
  private static final long OUTPUT_PER_MTOK = 600_000;
  private static final String TEXT =
      "budgets hold when every path settles exactly once ".repeat(8).strip();

  private final MutableClock clock = new MutableClock(START);
  private final List<FakeOpenAiUpstream> upstreams = new ArrayList<>();
  private final ExecutorService clients = Executors.newFixedThreadPool(64);

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock);
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    clients.shutdownNow();
    clients.awaitTermination(10, TimeUnit.SECONDS);
    upstreams.forEach(FakeOpenAiUpstream::close);
  }

  private FakeOpenAiUpstream upstream(FakeUpstreamSettings settings) {
    return started(settings.withResponseText(TEXT));
  }

  /**
   * An upstream whose answers outlast any test (2,000 tokens at the settings' pace): a client that
   * reads its first bytes holds a stream in flight until it leaves, however loaded the machine.
   */
  private FakeOpenAiUpstream longAnswers(FakeUpstreamSettings settings) {
    return started(settings.withResponseText("long ".repeat(2_000).strip()));
  }

  private FakeOpenAiUpstream started(FakeUpstreamSettings settings) {
    FakeOpenAiUpstream upstream = FakeOpenAiUpstream.start(0, settings);
    upstreams.add(upstream);
    return upstream;
  }

  private TestPouch.CreatedTestKey key(FakeOpenAiUpstream upstream, KeyBody body) {
    return pouch.createKey(body.providerSetting("base_url", upstream.baseUrl()));
  }

  private static KeyBody openAi(String name, long limit) {
    return KeyBody.openAi(name, "http://placeholder/v1").budgetMicros(limit);
  }

  private static Map<String, Object> chat(boolean stream, Integer maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Explain budgets to me.")));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  private static long cost(long prompt, long completion) {
    return OpenAiSdkClientTest.costMicros(prompt, INPUT_PER_MTOK, completion, OUTPUT_PER_MTOK);
  }

  private long spent(TestPouch.CreatedTestKey key) {
    return pouch.budget(key.id()).get("spent_micros").asLong();
  }

  private long reserved(TestPouch.CreatedTestKey key) {
    return pouch.budget(key.id()).get("reserved_micros").asLong();
  }

  private JsonNode log(TestPouch.CreatedTestKey key) {
    return pouch.admin("GET", "/api/requests?limit=1000&key_id=" + key.id(), null).body();
  }

  private List<TestPouch.Reply> concurrently(
      int count, java.util.function.IntFunction<TestPouch.Reply> call) throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<TestPouch.Reply>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      futures.add(
          clients.submit(
              () -> {
                gate.await();
                return call.apply(n);
              }));
    }
    gate.countDown();
    List<TestPouch.Reply> replies = new ArrayList<>();
    for (Future<TestPouch.Reply> future : futures) {
      replies.add(future.get(60, TimeUnit.SECONDS));
    }
    return replies;
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as("condition reached in time").isTrue();
  }

  /**
   * Each answer fills its max_tokens (the text is longer than any of them), so a reservation is its
   * cost plus the 16-token margin and a prompt bound: the ledger's guard is what keeps the budget,
   * not a pre-check on an over-large reservation. The budget is read while the load runs.
   */
  @Test
  void twoHundredMixedRequestsOnASmallBudgetAreChargedExactlyAndNeverOvershoot() throws Exception {
    FakeOpenAiUpstream upstream = upstream(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(1));
    long limit = 1_500; // covers a fraction of 200 answers of 30 tokens at $0.60/M
    TestPouch.CreatedTestKey key = key(upstream, openAi("crowd", limit));

    List<TestPouch.Reply> replies;
    BudgetWatch watch = new BudgetWatch(pouch, key);
    try {
      replies = concurrently(200, i -> pouch.chat(key, chat(i % 2 == 0, i % 10 == 0 ? null : 30)));
    } finally {
      watch.close();
    }

    long expected = 0;
    int served = 0;
    for (TestPouch.Reply reply : replies) {
      if (reply.status() == 200) {
        served++;
        JsonNode usage = BudgetUnderConcurrencyTest.usageOf(reply);
        expected +=
            cost(usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong());
        assertThat(reply.response().headers().firstValue("x-pouch-reserved-micros")).isPresent();
        assertThat(reply.response().headers().firstValue("x-pouch-budget-remaining-micros"))
            .isPresent();
      } else {
        assertThat(reply.errorCode()).isEqualTo("budget_exceeded");
      }
    }
    assertThat(served).isBetween(1, 199);
    assertThat(watch.mostInUse())
        .as("spent + reserved while the load ran")
        .isLessThanOrEqualTo(limit);
    assertThat(spent(key)).isLessThanOrEqualTo(limit).isEqualTo(expected);
    assertThat(reserved(key)).isZero();
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void fiftyClientsThatLeaveAfterTheFirstChunkAreEachSettledOnceAndTheUpstreamIsClosed()
      throws Exception {
    FakeOpenAiUpstream upstream = longAnswers(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(50));
    TestPouch.CreatedTestKey key = key(upstream, openAi("leavers", 100_000_000));
    List<CompletableFuture<Void>> leaving = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      leaving.add(
          CompletableFuture.runAsync(
              () -> {
                try (InputStream in = pouch.openStream(key, chat(true, null)).body()) {
                  in.read(); // the first bytes arrived; leave
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              clients));
    }
    CompletableFuture.allOf(leaving.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    await(() -> upstream.streamsAborted() == 50 && reserved(key) == 0);
    JsonNode rows = log(key);
    assertThat(rows).hasSize(50);
    assertThat(rows.findValuesAsText("error_code")).containsOnly("client_closed");
    long logged = 0;
    for (JsonNode row : rows) {
      logged += row.get("cost_micros").asLong();
    }
    assertThat(spent(key)).isEqualTo(logged);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void misbehavingUpstreamsNeverOverspendAndAreNeverUnderCounted() throws Exception {
    Map<String, FakeUpstreamSettings> cases = new LinkedHashMap<>();
    // 2 ms per token (500 tokens/s) is faster than any real model, yet finite: an upstream that
    // pushed tokens infinitely fast would outrun any cancel, and no gateway could pay for that.
    cases.put(
        "ignores-max-tokens",
        FakeUpstreamSettings.DEFAULT.withIgnoreMaxTokens(true).withChunkDelayMs(2));
    cases.put("fails-mid-stream", FakeUpstreamSettings.DEFAULT.withFailAfterChunks(5));
    cases.put("never-sends-usage", FakeUpstreamSettings.DEFAULT.withOmitUsage(true));
    for (Map.Entry<String, FakeUpstreamSettings> c : cases.entrySet()) {
      FakeOpenAiUpstream upstream = upstream(c.getValue());
      long limit = 400;
      TestPouch.CreatedTestKey key = key(upstream, openAi(c.getKey(), limit));

      concurrently(30, i -> pouch.chat(key, chat(i % 2 == 0, i % 3 == 0 ? null : 20)));

      assertThat(reserved(key)).as(c.getKey()).isZero();
      assertThat(spent(key)).as(c.getKey() + ": within the budget").isLessThanOrEqualTo(limit);
      ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
      for (JsonNode row : log(key)) {
        assertThat(row.get("overrun_micros").asLong()).as(c.getKey()).isZero();
      }
    }
  }

  @Test
  void aHangingUpstreamTimesOutIsChargedItsReservationsAndHoldsNothing() throws Exception {
    FakeOpenAiUpstream upstream = upstream(FakeUpstreamSettings.DEFAULT.withHang(true));
    TestPouch.CreatedTestKey key =
        key(upstream, openAi("hang", 100_000).providerSetting("timeout_seconds", 1));

    List<TestPouch.Reply> replies = concurrently(10, i -> pouch.chat(key, chat(i % 2 == 0, 20)));

    assertThat(replies).extracting(TestPouch.Reply::status).containsOnly(504);
    // the upstream had each request and may bill it: charged, never refunded (G11)
    long reservations = 0;
    for (JsonNode row : log(key)) {
      assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
      reservations += row.get("reserved_micros").asLong();
    }
    assertThat(log(key)).hasSize(10);
    assertThat(spent(key)).isEqualTo(reservations).isPositive();
    assertThat(reserved(key)).isZero();
  }

  /**
   * Starts a long stream and returns it once its first bytes arrived (its reservation is taken); it
   * stays in flight until the caller closes it.
   */
  private InputStream heldStream(TestPouch.CreatedTestKey key) throws Exception {
    InputStream body = pouch.openStream(key, chat(true, 2_000)).body();
    assertThat(body.read()).isNotNegative();
    return body;
  }

  private long loggedCost(TestPouch.CreatedTestKey key) {
    long total = 0;
    for (JsonNode row : log(key)) {
      total += row.get("cost_micros").asLong();
    }
    return total;
  }

  @Test
  void aStreamInFlightAcrossAPeriodResetSettlesIntoTheNewPeriodOnce() throws Exception {
    FakeOpenAiUpstream upstream = longAnswers(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(40));
    TestPouch.CreatedTestKey key =
        key(upstream, openAi("daily", 1_000_000).resetPeriodSeconds(86_400));
    assertThat(pouch.chat(key, chat(false, 10)).status()).isEqualTo(200);
    long firstPeriod = spent(key);

    try (InputStream inFlight = heldStream(key)) {
      clock.advance(Duration.ofDays(1));
      assertThat(pouch.chat(key, chat(false, 10)).status()).isEqualTo(200); // triggers the reset
      assertThat(reserved(key)).as("the stream was in flight across the reset").isPositive();
      assertThat(inFlight.read()).as("and still streams").isNotNegative();
    } // the client leaves: the stream settles now

    await(() -> reserved(key) == 0);
    assertThat(pouch.budget(key.id()).get("period_started_at").asText())
        .isEqualTo(START.plus(Duration.ofDays(1)).toString());
    // nothing lost, nothing counted twice: the old period's spend plus the new one is every charge
    assertThat(firstPeriod + spent(key)).isEqualTo(loggedCost(key));
    assertThat(spent(key)).isGreaterThan(0);
    ServedCharges.assertEachServedRequestIsCharged(pouch, key, upstream);
  }

  @Test
  void aStreamInFlightAcrossAnAutoRenewalSettlesOnce() throws Exception {
    FakeOpenAiUpstream upstream = longAnswers(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(40));
    TestPouch.CreatedTestKey key =
        key(
            upstream,
            openAi("renewing", 1_000_000)
                .resetPeriodSeconds(3600)
                .expiresAt(START.plus(Duration.ofHours(1)).toString(), true));
    assertThat(pouch.chat(key, chat(false, 10)).status()).isEqualTo(200);
    long beforeRenewal = spent(key);

    try (InputStream inFlight = heldStream(key)) {
      clock.advance(Duration.ofMinutes(61));
      assertThat(pouch.chat(key, chat(false, 10)).status()).isEqualTo(200); // renews the key
      assertThat(reserved(key)).as("the stream was in flight across the renewal").isPositive();
      assertThat(inFlight.read()).as("and still streams").isNotNegative();
    } // the client leaves: the stream settles now

    await(() -> reserved(key) == 0);
    assertThat(pouch.admin("GET", "/api/keys/" + key.id(), null).body().get("expires_at").asText())
        .isEqualTo(START.plus(Duration.ofHours(2)).toString());
    assertThat(beforeRenewal + spent(key)).isEqualTo(loggedCost(key));
    ServedCharges.assertEachServedRequestIsCharged(pouch, key, upstream);
  }

  @Test
  void loweringTheLimitBelowTheSpendMidLoadBlocksNewRequestsAndLosesNothing() throws Exception {
    FakeOpenAiUpstream upstream = upstream(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(5));
    TestPouch.CreatedTestKey key = key(upstream, openAi("shrinking", 1_000_000));

    List<Future<TestPouch.Reply>> load = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int n = i;
      load.add(clients.submit(() -> pouch.chat(key, chat(n % 2 == 0, 20))));
    }
    await(() -> reserved(key) > 0); // the limit is lowered with requests in flight
    long lowered = 1;
    TestPouch.Reply edit =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.openAi("shrinking", upstream.baseUrl()).budgetMicros(lowered).toMap());
    assertThat(edit.status()).isEqualTo(200);
    for (Future<TestPouch.Reply> f : load) {
      assertThat(f.get(60, TimeUnit.SECONDS).status()).isIn(200, 402);
    }

    await(() -> reserved(key) == 0);
    assertThat(spent(key)).isEqualTo(loggedCost(key)).isNotNegative();
    ServedCharges.assertEachServedRequestIsCharged(pouch, key, upstream);
    TestPouch.Reply after = pouch.chat(key, chat(false, 10));
    assertThat(after.status()).isEqualTo(402);
    assertThat(after.errorCode()).isEqualTo("budget_exceeded");
  }

  @Test
  void aKeyDeletedMidStreamStillSettlesItsStreamAndIsRefusedAfterwards() throws Exception {
    FakeOpenAiUpstream upstream = longAnswers(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(20));
    TestPouch.CreatedTestKey key = key(upstream, openAi("doomed", 1_000_000));

    String answer;
    try (InputStream inFlight = pouch.openStream(key, chat(true, 300)).body()) {
      assertThat(inFlight.read()).isNotNegative(); // reserved, streaming (6 s at this pace)
      assertThat(pouch.admin("DELETE", "/api/keys/" + key.id(), null).status()).isEqualTo(204);
      assertThat(log(key)).as("deleted while its stream was in flight").isEmpty();
      answer = new String(inFlight.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(answer).endsWith("data: [DONE]\n\n");

    await(() -> log(key).size() == 1);
    JsonNode row = log(key).get(0);
    assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
    ServedCharges.assertEachServedRequestIsCharged(pouch, key, upstream);
    assertThat(pouch.chat(key, chat(false, 10)).errorCode()).isEqualTo("invalid_api_key");
  }
}
