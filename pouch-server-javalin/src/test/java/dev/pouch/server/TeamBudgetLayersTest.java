package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * FINANCIAL_SAFETY G17, budgets in layers, over real HTTP and a real SQLite file against the fake
 * OpenAI upstream: several keys of one team, each key with a daily and a lifetime budget and the
 * team with a monthly one, all tight. One reservation takes from every layer or from none, so no
 * layer is ever overbooked; every layer is charged each request exactly once, what the upstream
 * served at the table's prices; a reset of one layer mid-load leaves the others exact; a team limit
 * lowered below its spend refuses new requests only.
 */
class TeamBudgetLayersTest extends FakeUpstreamServerTest {
  private static final String TEXT = "every layer pays once and only once ".repeat(20).strip();
  private static final long TEAM_LIMIT = 2_500;
  private static final long KEY_DAILY_LIMIT = 900;
  private static final long KEY_LIFETIME_LIMIT = 1_200;
  private static final int KEYS = 4;
  private static final int REQUESTS = 240;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock);
  }

  private static Map<String, Object> budget(long limit, long period) {
    return Map.of("limit_micros", limit, "reset_period_seconds", period);
  }

  private String createTeam(long limit) {
    TestPouch.Reply reply =
        pouch.admin(
            "POST",
            "/api/teams",
            Map.of("name", "research", "budgets", List.of(budget(limit, 2_592_000))));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(201);
    return reply.body().get("id").asText();
  }

  private List<TestPouch.CreatedTestKey> createKeys(String teamId) {
    List<TestPouch.CreatedTestKey> keys = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      keys.add(
          upstreamKey(
              KeyBody.openAi("member " + k, "unused")
                  .set("team_id", teamId)
                  .set(
                      "budgets",
                      List.of(budget(KEY_DAILY_LIMIT, 86_400), budget(KEY_LIFETIME_LIMIT, 0)))));
    }
    return keys;
  }

  private static Map<String, Object> chat(boolean stream, Integer maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me about layers.")));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  /** The key a request goes to: 40 %, 30 %, 20 % and 10 % of the load. */
  private static int keyOf(int request) {
    int slot = request % 10;
    return slot < 4 ? 0 : slot < 7 ? 1 : slot < 9 ? 2 : 3;
  }

  /** What one client did: the request id of an answer read to its end, or a refusal. */
  private record Outcome(String completedRequestId, String refusal) {}

  /**
   * Sends {@code REQUESTS} requests at once over the keys: plain, streamed, and every seventh a
   * stream the client walks away from after its first lines. {@code midLoad} runs once a third of
   * them answered.
   */
  private List<Outcome> load(List<TestPouch.CreatedTestKey> keys, Runnable midLoad)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(48);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicLong answered = new AtomicLong();
    AtomicBoolean ranMidLoad = new AtomicBoolean();
    List<Future<Outcome>> futures = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      TestPouch.CreatedTestKey key = keys.get(keyOf(i));
      boolean stream = i % 2 == 0;
      boolean walkAway = i % 7 == 0;
      Integer maxTokens = i % 10 == 5 ? null : 20 + i % 30;
      futures.add(
          clients.submit(
              () -> {
                gate.await();
                Outcome outcome =
                    walkAway ? walkAway(key, maxTokens) : send(key, chat(stream, maxTokens));
                if (answered.incrementAndGet() == REQUESTS / 3
                    && ranMidLoad.compareAndSet(false, true)) {
                  midLoad.run();
                }
                return outcome;
              }));
    }
    gate.countDown();
    List<Outcome> outcomes = new ArrayList<>();
    for (Future<Outcome> future : futures) {
      outcomes.add(future.get());
    }
    clients.shutdown();
    assertThat(ranMidLoad).isTrue();
    return outcomes;
  }

  private Outcome send(TestPouch.CreatedTestKey key, Map<String, Object> body) {
    TestPouch.Reply reply = pouch.chat(key, body);
    if (reply.status() == 200) {
      return new Outcome(reply.response().headers().firstValue("x-request-id").orElseThrow(), null);
    }
    assertThat(reply.status()).as(reply.raw()).isEqualTo(402);
    assertThat(reply.errorCode()).isEqualTo("budget_exceeded");
    return new Outcome(null, reply.body().path("error").path("message").asText());
  }

  private Outcome walkAway(TestPouch.CreatedTestKey key, Integer maxTokens) throws Exception {
    HttpResponse<InputStream> response = pouch.openStream(key, chat(true, maxTokens));
    try (InputStream body = response.body()) {
      if (response.statusCode() == 200) {
        body.read(new byte[64]); // the first bytes, then gone
        return new Outcome(null, null);
      }
      String error = new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(response.statusCode()).as(error).isEqualTo(402);
      return new Outcome(null, error);
    }
  }

  private JsonNode keyView(TestPouch.CreatedTestKey key) {
    return pouch.admin("GET", "/api/keys/" + key.id(), null).body();
  }

  private JsonNode teamView(String teamId) {
    return pouch.admin("GET", "/api/teams/" + teamId, null).body();
  }

  /** Waits until the streams clients walked away from have settled: nothing reserved anywhere. */
  private void awaitNothingReserved(List<TestPouch.CreatedTestKey> keys, String teamId)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      long reserved = reserved(teamView(teamId));
      for (TestPouch.CreatedTestKey key : keys) {
        reserved += reserved(keyView(key));
      }
      if (reserved == 0) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("reservations stayed open");
  }

  private static long reserved(JsonNode view) {
    long reserved = 0;
    for (JsonNode budget : view.get("budgets")) {
      reserved += budget.get("reserved_micros").asLong();
    }
    return reserved;
  }

  /** Reads the team's budget over and over while a load runs; keeps the most it saw in use. */
  private final class TeamWatch implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong mostInUse = new AtomicLong();
    private final Thread thread;

    TeamWatch(String teamId) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  JsonNode budget = teamView(teamId).get("budgets").get(0);
                  mostInUse.accumulateAndGet(
                      budget.get("spent_micros").asLong() + budget.get("reserved_micros").asLong(),
                      Math::max);
                }
              },
              "team-watch");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() {
      running.set(false);
      try {
        thread.join(10_000);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Every request the upstream served has a row charging at least what it served, exactly that when
   * the client read the answer to its end; returns each key's rows' total.
   */
  private Map<String, Long> assertRowsChargeWhatWasServed(
      List<TestPouch.CreatedTestKey> keys, Set<String> completed, int requests) {
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    Map<String, Long> totals = new LinkedHashMap<>();
    Set<String> rowsSeen = new HashSet<>();
    for (TestPouch.CreatedTestKey key : keys) {
      Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
      long total = 0;
      for (JsonNode row : rows.values()) {
        total += row.get("cost_micros").asLong();
        rowsSeen.add(row.get("id").asText());
      }
      totals.put(key.id(), total);
      served.forEach(
          (id, tokens) -> {
            JsonNode row = rows.get(id);
            if (row == null) {
              return; // another key's request
            }
            long cost = ServedCharges.cost(tokens.promptTokens(), tokens.completionTokens());
            if (completed.contains(id)) {
              assertThat(row.get("cost_micros").asLong()).as("row %s", row).isEqualTo(cost);
            } else {
              assertThat(row.get("cost_micros").asLong())
                  .as("row %s", row)
                  .isGreaterThanOrEqualTo(cost);
            }
          });
    }
    assertThat(rowsSeen)
        .as("a row for every request the upstream served")
        .containsAll(served.keySet());
    assertThat(rowsSeen).as("one row per request, refused ones too").hasSize(requests);
    return totals;
  }

  @Test
  void twoHundredFortyConcurrentRequestsOfOneTeamNeverOvershootAnyLayerAndChargeEachOnce()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withChunkDelayMs(1));
    String teamId = createTeam(TEAM_LIMIT);
    List<TestPouch.CreatedTestKey> keys = createKeys(teamId);
    TeamWatch watch = new TeamWatch(teamId);

    List<Outcome> outcomes = load(keys, () -> {});
    watch.close();
    awaitNothingReserved(keys, teamId);

    Set<String> completed = ConcurrentHashMap.newKeySet();
    List<String> refusals = new ArrayList<>();
    for (Outcome outcome : outcomes) {
      if (outcome.completedRequestId() != null) {
        completed.add(outcome.completedRequestId());
      }
      if (outcome.refusal() != null) {
        refusals.add(outcome.refusal());
      }
    }
    assertThat(completed).isNotEmpty();
    assertThat(refusals).as("each kind of layer refused some").isNotEmpty();
    assertThat(refusals)
        .anyMatch(message -> message.contains("The team 'research' budget (monthly)"));
    assertThat(refusals).anyMatch(message -> message.contains("This key's budget (daily)"));
    assertThat(watch.mostInUse.get())
        .as("team spent + reserved at every read")
        .isLessThanOrEqualTo(TEAM_LIMIT);

    Map<String, Long> totals = assertRowsChargeWhatWasServed(keys, completed, REQUESTS);
    long teamTotal = 0;
    for (TestPouch.CreatedTestKey key : keys) {
      JsonNode budgets = keyView(key).get("budgets");
      long total = totals.get(key.id());
      assertThat(budgets.get(0).get("spent_micros").asLong())
          .isEqualTo(total)
          .isLessThanOrEqualTo(KEY_DAILY_LIMIT);
      assertThat(budgets.get(1).get("spent_micros").asLong()).isEqualTo(total);
      teamTotal += total;
    }
    JsonNode team = teamView(teamId).get("budgets").get(0);
    assertThat(team.get("spent_micros").asLong())
        .isEqualTo(teamTotal)
        .isLessThanOrEqualTo(TEAM_LIMIT);
    assertThat(team.get("reserved_micros").asLong()).isZero();
  }

  @Test
  void aKeysDailyResetMidLoadNeitherLosesNorDoublesAChargeInItsOtherLayers() throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withChunkDelayMs(1));
    String teamId = createTeam(TEAM_LIMIT * 2);
    List<TestPouch.CreatedTestKey> keys = createKeys(teamId);

    // a day passes a third of the way in: every key's daily budget starts a new period on its
    // next request; the lifetime and the team's monthly budgets go on
    List<Outcome> outcomes = load(keys, () -> clock.advance(Duration.ofDays(1)));
    awaitNothingReserved(keys, teamId);

    Set<String> completed = new HashSet<>();
    outcomes.forEach(
        outcome -> {
          if (outcome.completedRequestId() != null) {
            completed.add(outcome.completedRequestId());
          }
        });
    Map<String, Long> totals = assertRowsChargeWhatWasServed(keys, completed, REQUESTS);
    long teamTotal = 0;
    for (TestPouch.CreatedTestKey key : keys) {
      JsonNode budgets = keyView(key).get("budgets");
      long total = totals.get(key.id());
      assertThat(budgets.get(1).get("spent_micros").asLong()).as("lifetime").isEqualTo(total);
      assertThat(budgets.get(0).get("spent_micros").asLong())
          .as("daily, since the reset")
          .isLessThanOrEqualTo(total)
          .isLessThanOrEqualTo(KEY_DAILY_LIMIT);
      teamTotal += total;
    }
    assertThat(keyView(keys.get(0)).get("budgets").get(0).get("period_started_at").asText())
        .isEqualTo("2026-12-02T00:00:00Z");
    assertThat(teamView(teamId).get("budgets").get(0).get("spent_micros").asLong())
        .isEqualTo(teamTotal);
  }

  @Test
  void loweringATeamLimitBelowItsSpendRefusesNewRequestsOnlyAndInFlightOnesSettle()
      throws Exception {
    // 300 tokens 5 ms apart: an answer takes a second and a half
    startUpstream(
        FakeUpstreamSettings.DEFAULT.withResponseText(TEXT.repeat(2)).withChunkDelayMs(5));
    String teamId = createTeam(1_000_000);
    TestPouch.CreatedTestKey key = createKeys(teamId).get(0);
    assertThat(send(key, chat(false, 20)).completedRequestId()).isNotNull();
    long spentBefore = teamView(teamId).get("budgets").get(0).get("spent_micros").asLong();
    assertThat(spentBefore).isPositive();

    HttpResponse<InputStream> inFlight = pouch.openStream(key, chat(true, 300));
    assertThat(inFlight.statusCode()).isEqualTo(200);
    TestPouch.Reply lowered =
        pouch.admin(
            "PATCH",
            "/api/teams/" + teamId,
            Map.of("budgets", List.of(budget(spentBefore / 2, 2_592_000))));
    assertThat(lowered.status()).as(lowered.raw()).isEqualTo(200);

    Outcome refused = send(key, chat(false, 20));
    assertThat(refused.refusal()).startsWith("The team 'research' budget (monthly) cannot cover");
    String streamed;
    try (InputStream body = inFlight.body()) {
      streamed = new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(streamed).contains("data: [DONE]");
    awaitNothingReserved(List.of(key), teamId);

    long rows = assertRowsChargeWhatWasServed(List.of(key), Set.of(), 3).get(key.id());
    JsonNode team = teamView(teamId).get("budgets").get(0);
    assertThat(team.get("limit_micros").asLong()).isEqualTo(spentBefore / 2);
    assertThat(team.get("spent_micros").asLong()).isEqualTo(rows).isGreaterThan(spentBefore);
  }
}
