package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * FINANCIAL_SAFETY G17 with the third layer, end users inside a key, over real HTTP and a real
 * SQLite file against the fake OpenAI upstream: three keys of one team, two that read their end
 * users from OpenAI's {@code user} field and one from the {@code x-pouch-end-user} header, each
 * with four end users, every layer tight. One reservation takes from the key's, the team's and the
 * end user's budgets or from none, so no layer is overbooked; each end user's budgets are created
 * once by its first requests (which race); every layer is charged what the upstream served, once; a
 * reset of the end users' daily budgets mid-load leaves the other layers exact.
 */
class EndUserBudgetLayersTest extends FakeUpstreamServerTest {
  private static final String TEXT = "each end user pays once and only once ".repeat(20).strip();
  private static final long TEAM_LIMIT = 1_200;
  private static final long KEY_LIMIT = 500;
  private static final long END_USER_DAILY_LIMIT = 120;
  private static final long END_USER_LIFETIME_LIMIT = 200;
  private static final int END_USERS = 4;
  private static final int REQUESTS = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock);
  }

  private static Map<String, Object> budget(long limit, long period) {
    return Map.of("limit_micros", limit, "reset_period_seconds", period);
  }

  /** A key of the test, and where it reads its end users. */
  private record TestKey(TestPouch.CreatedTestKey key, boolean byHeader) {
    String id() {
      return key.id();
    }
  }

  private String createTeam(long limit) {
    TestPouch.Reply reply =
        pouch.admin(
            "POST",
            "/api/teams",
            Map.of("name", "apps", "budgets", List.of(budget(limit, 2_592_000))));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(201);
    return reply.body().get("id").asText();
  }

  /** Keys 0 and 1 read {@code user}, key 2 the header; all with the same end-user terms. */
  private List<TestKey> createKeys(String teamId, long keyLimit) {
    List<TestKey> keys = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      boolean byHeader = k == 2;
      Map<String, Object> endUser = new LinkedHashMap<>();
      endUser.put("source", byHeader ? "header" : "user");
      endUser.put("required", true);
      endUser.put(
          "budgets",
          List.of(budget(END_USER_DAILY_LIMIT, 86_400), budget(END_USER_LIFETIME_LIMIT, 0)));
      TestPouch.CreatedTestKey key =
          upstreamKey(
              KeyBody.openAi("app " + k, "unused")
                  .set("team_id", teamId)
                  .set("budgets", List.of(budget(keyLimit, 0)))
                  .set("end_user", endUser));
      keys.add(new TestKey(key, byHeader));
    }
    return keys;
  }

  /** The key a request goes to: 50 %, 30 % and 20 % of the load. */
  private static int keyOf(int request) {
    int slot = request % 10;
    return slot < 5 ? 0 : slot < 8 ? 1 : 2;
  }

  private static String endUserOf(int request) {
    return "u-" + (request / 10) % END_USERS;
  }

  /**
   * A chat request naming {@code endUser} where the key reads it, and a decoy where it does not: a
   * key that read the wrong place would charge one end user, "decoy", for everything.
   */
  private HttpRequest request(TestKey key, String endUser, boolean stream, Integer maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me about end users.")));
    body.put("user", key.byHeader() ? "decoy" : endUser);
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    try {
      return HttpRequest.newBuilder(URI.create(pouch.openAiBaseUrl() + "/chat/completions"))
          .timeout(Duration.ofSeconds(30))
          .header("Authorization", key.key().bearer())
          .header("Content-Type", "application/json")
          .header("x-pouch-end-user", key.byHeader() ? endUser : "decoy")
          .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What one client did: the request id of an answer read to its end, or a refusal. */
  private record Outcome(String completedRequestId, String refusal) {}

  private Outcome send(HttpRequest request, boolean walkAway) throws Exception {
    HttpResponse<InputStream> response =
        pouch.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() == 200) {
        if (walkAway) {
          body.read(new byte[64]); // the first bytes, then gone
          return new Outcome(null, null);
        }
        body.readAllBytes();
        return new Outcome(response.headers().firstValue("x-request-id").orElseThrow(), null);
      }
      String error = new String(body.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response.statusCode()).as(error).isEqualTo(402);
      return new Outcome(null, JSON.readTree(error).path("error").path("message").asText());
    }
  }

  /**
   * Sends {@code REQUESTS} requests at once: plain, streamed, every seventh a stream the client
   * walks away from. {@code midLoad} runs once a third of them answered.
   */
  private List<Outcome> load(List<TestKey> keys, Runnable midLoad) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(48);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicLong answered = new AtomicLong();
    AtomicBoolean ranMidLoad = new AtomicBoolean();
    List<Future<Outcome>> futures = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      TestKey key = keys.get(keyOf(i));
      boolean stream = i % 2 == 0;
      boolean walkAway = i % 7 == 0;
      Integer maxTokens = i % 10 == 5 ? null : 20 + i % 30;
      HttpRequest request = request(key, endUserOf(i), stream || walkAway, maxTokens);
      futures.add(
          clients.submit(
              () -> {
                gate.await();
                Outcome outcome = send(request, walkAway);
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

  private JsonNode keyView(TestKey key) {
    return pouch.admin("GET", "/api/keys/" + key.id(), null).body();
  }

  private JsonNode teamView(String teamId) {
    return pouch.admin("GET", "/api/teams/" + teamId, null).body();
  }

  /** The key's end users by id, read page by page (two at a time: paging is exercised). */
  private Map<String, JsonNode> endUsers(TestKey key) {
    Map<String, JsonNode> all = new LinkedHashMap<>();
    String after = null;
    do {
      TestPouch.Reply page =
          pouch.admin(
              "GET",
              "/api/keys/"
                  + key.id()
                  + "/end-users?limit=2"
                  + (after == null ? "" : "&after=" + after),
              null);
      assertThat(page.status()).as(page.raw()).isEqualTo(200);
      page.body().get("data").forEach(each -> all.put(each.get("id").asText(), each));
      after =
          page.body().get("next_after").isNull() ? null : page.body().get("next_after").asText();
    } while (after != null);
    return all;
  }

  private static long reserved(JsonNode budgets) {
    long reserved = 0;
    for (JsonNode budget : budgets) {
      reserved += budget.get("reserved_micros").asLong();
    }
    return reserved;
  }

  /** Waits until the streams clients walked away from have settled: nothing reserved anywhere. */
  private void awaitNothingReserved(List<TestKey> keys, String teamId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      long reserved = reserved(teamView(teamId).get("budgets"));
      for (TestKey key : keys) {
        reserved += reserved(keyView(key).get("budgets"));
        for (JsonNode endUser : endUsers(key).values()) {
          reserved += reserved(endUser.get("budgets"));
        }
      }
      if (reserved == 0) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("reservations stayed open");
  }

  /** Reads one end user's daily budget over and over while a load runs; keeps the most in use. */
  private final class EndUserWatch implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong mostInUse = new AtomicLong();
    private final Thread thread;

    EndUserWatch(TestKey key, String endUser) {
      String path = "/api/keys/" + key.id() + "/end-users/" + endUser;
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  TestPouch.Reply reply = pouch.admin("GET", path, null);
                  if (reply.status() == 200) {
                    JsonNode daily = reply.body().get("budgets").get(0);
                    mostInUse.accumulateAndGet(
                        daily.get("spent_micros").asLong() + daily.get("reserved_micros").asLong(),
                        Math::max);
                  }
                }
              },
              "end-user-watch");
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

  /** Every request's row, by key: one per request, refused ones included. */
  private Map<String, Map<String, JsonNode>> rowsByKey(List<TestKey> keys) {
    Map<String, Map<String, JsonNode>> rows = new HashMap<>();
    int count = 0;
    for (TestKey key : keys) {
      Map<String, JsonNode> its = ServedCharges.rows(pouch, key.key());
      rows.put(key.id(), its);
      count += its.size();
    }
    assertThat(count).as("one row per request, refused ones too").isEqualTo(REQUESTS);
    return rows;
  }

  /**
   * Each row charges what the upstream served it (exactly when the client read it to its end, at
   * least that when the client walked away), and the upstream served no request without a row.
   */
  private void assertRowsChargeWhatWasServed(
      Map<String, Map<String, JsonNode>> rowsByKey, Set<String> completed) {
    Map<String, JsonNode> rows = new HashMap<>();
    rowsByKey.values().forEach(rows::putAll);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(rows.keySet()).as("a row for every request served").containsAll(served.keySet());
    served.forEach(
        (id, tokens) -> {
          long cost = ServedCharges.cost(tokens.promptTokens(), tokens.completionTokens());
          long charged = rows.get(id).get("cost_micros").asLong();
          if (completed.contains(id)) {
            assertThat(charged).as("row %s", rows.get(id)).isEqualTo(cost);
          } else {
            assertThat(charged).as("row %s", rows.get(id)).isGreaterThanOrEqualTo(cost);
          }
        });
  }

  /** The rows' total per end user of one key's rows. */
  private static Map<String, Long> totalsByEndUser(Map<String, JsonNode> rows) {
    Map<String, Long> totals = new HashMap<>();
    for (JsonNode row : rows.values()) {
      assertThat(row.get("end_user_id").isNull()).as("row %s names its end user", row).isFalse();
      totals.merge(row.get("end_user_id").asText(), row.get("cost_micros").asLong(), Long::sum);
    }
    return totals;
  }

  private static long total(Map<String, JsonNode> rows) {
    return rows.values().stream().mapToLong(row -> row.get("cost_micros").asLong()).sum();
  }

  private static Set<String> completed(List<Outcome> outcomes) {
    Set<String> completed = new HashSet<>();
    outcomes.forEach(
        outcome -> {
          if (outcome.completedRequestId() != null) {
            completed.add(outcome.completedRequestId());
          }
        });
    return completed;
  }

  @Test
  void twoHundredConcurrentRequestsOfEndUsersInKeysOfOneTeamNeverOvershootAnyLayer()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withChunkDelayMs(1));
    String teamId = createTeam(TEAM_LIMIT);
    List<TestKey> keys = createKeys(teamId, KEY_LIMIT);
    EndUserWatch watch = new EndUserWatch(keys.get(0), "u-0");

    List<Outcome> outcomes = load(keys, () -> {});
    watch.close();
    awaitNothingReserved(keys, teamId);

    List<String> refusals =
        outcomes.stream().map(Outcome::refusal).filter(message -> message != null).toList();
    assertThat(refusals)
        .as("the end-user layer refused some")
        .anyMatch(
            message -> message.matches("The end user 'u-\\d' budget \\((daily|lifetime)\\).*"));
    assertThat(refusals)
        .as("the key's or the team's layer refused some too")
        .anyMatch(
            message ->
                message.startsWith("The team 'apps' budget") || message.startsWith("This key's"));
    assertThat(watch.mostInUse.get())
        .as("u-0's daily spent + reserved at every read")
        .isLessThanOrEqualTo(END_USER_DAILY_LIMIT);

    Map<String, Map<String, JsonNode>> rows = rowsByKey(keys);
    assertRowsChargeWhatWasServed(rows, completed(outcomes));
    long teamTotal = 0;
    for (TestKey key : keys) {
      Map<String, JsonNode> its = rows.get(key.id());
      long total = total(its);
      assertThat(keyView(key).get("budgets").get(0).get("spent_micros").asLong())
          .isEqualTo(total)
          .isLessThanOrEqualTo(KEY_LIMIT);
      teamTotal += total;
      Map<String, Long> byEndUser = totalsByEndUser(its);
      assertThat(byEndUser.keySet())
          .as("the key read its end users where it trusts them, never the decoy")
          .isSubsetOf(Set.of("u-0", "u-1", "u-2", "u-3"));
      Map<String, JsonNode> endUsers = endUsers(key);
      assertThat(endUsers.keySet()).containsExactly("u-0", "u-1", "u-2", "u-3");
      for (Map.Entry<String, JsonNode> endUser : endUsers.entrySet()) {
        JsonNode budgets = endUser.getValue().get("budgets");
        long charged = byEndUser.getOrDefault(endUser.getKey(), 0L);
        assertThat(budgets).hasSize(2);
        assertThat(budgets.get(0).get("spent_micros").asLong())
            .as("%s's daily budget", endUser.getKey())
            .isEqualTo(charged)
            .isLessThanOrEqualTo(END_USER_DAILY_LIMIT);
        assertThat(budgets.get(1).get("spent_micros").asLong()).isEqualTo(charged);
        assertThat(reserved(budgets)).isZero();
      }
    }
    JsonNode team = teamView(teamId).get("budgets").get(0);
    assertThat(team.get("spent_micros").asLong())
        .isEqualTo(teamTotal)
        .isLessThanOrEqualTo(TEAM_LIMIT);
  }

  @Test
  void aResetOfTheEndUsersDailyBudgetsMidLoadNeitherLosesNorDoublesAChargeInAnyOtherLayer()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withChunkDelayMs(1));
    String teamId = createTeam(1_000_000);
    List<TestKey> keys = createKeys(teamId, 1_000_000);

    // a day passes a third of the way in: each end user's daily budget starts a new period on its
    // next request; the end users' lifetime budgets, the keys' and the team's go on
    List<Outcome> outcomes = load(keys, () -> clock.advance(Duration.ofDays(1)));
    awaitNothingReserved(keys, teamId);

    Map<String, Map<String, JsonNode>> rows = rowsByKey(keys);
    assertRowsChargeWhatWasServed(rows, completed(outcomes));
    long teamTotal = 0;
    boolean someReset = false;
    for (TestKey key : keys) {
      Map<String, JsonNode> its = rows.get(key.id());
      long total = total(its);
      assertThat(keyView(key).get("budgets").get(0).get("spent_micros").asLong()).isEqualTo(total);
      teamTotal += total;
      Map<String, Long> byEndUser = totalsByEndUser(its);
      for (Map.Entry<String, JsonNode> endUser : endUsers(key).entrySet()) {
        JsonNode budgets = endUser.getValue().get("budgets");
        long charged = byEndUser.getOrDefault(endUser.getKey(), 0L);
        assertThat(budgets.get(1).get("spent_micros").asLong())
            .as("%s's lifetime budget", endUser.getKey())
            .isEqualTo(charged);
        assertThat(budgets.get(0).get("spent_micros").asLong())
            .as("%s's daily budget, since its reset", endUser.getKey())
            .isLessThanOrEqualTo(charged)
            .isLessThanOrEqualTo(END_USER_DAILY_LIMIT);
        someReset |=
            budgets.get(0).get("period_started_at").asText().equals("2026-12-02T00:00:00Z");
      }
    }
    assertThat(someReset).as("the day passed for some end user").isTrue();
    assertThat(teamView(teamId).get("budgets").get(0).get("spent_micros").asLong())
        .isEqualTo(teamTotal);
  }
}
