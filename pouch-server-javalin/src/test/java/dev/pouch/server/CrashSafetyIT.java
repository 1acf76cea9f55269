package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sqlite.SQLiteConfig;

/**
 * A crash never under-counts (DESIGN.md §3 step 7, §3a "Recover"): {@code pouch.jar} runs as a
 * child process in front of a fake OpenAI upstream that counts what it serves, is loaded with
 * concurrent streams (chat completions and the Responses API) and plain requests, and is killed
 * with SIGKILL while the streams are half-way. Restarted on the same data folder, it must answer at
 * once, have nothing left reserved, have charged at least what the upstream served (recovered
 * reservations at their full amount, with a {@code recovered} row in the request log), keep an
 * intact SQLite file, and serve the same key again. It runs in each mode of {@code
 * --reservation-sync}, which must survive {@code kill -9} alike (FINANCIAL_SAFETY G3, ARCHITECTURE
 * D40): {@code now} (the default, a reservation fsynced before the request goes upstream; killed
 * and restarted twice) and {@code later} (in the WAL before it, fsynced with a later commit; once).
 */
class CrashSafetyIT {
  private static final String ADMIN_TOKEN = "pt-admin-crash-safety-it";
  private static final String MODEL = "gpt-4o-mini";

  // gpt-4o-mini in the bundled price table: $0.15 / $0.60 per million tokens
  private static final long INPUT_PER_MTOK = 150_000;
  private static final long OUTPUT_PER_MTOK = 600_000;
  private static final long BUDGET_MICROS = 5_000_000;

  /** The fake's answer: one token per word, one stream event per token, 20 ms apart (~5 s). */
  private static final String ANSWER =
      IntStream.range(0, 240).mapToObj(i -> "word" + i).collect(Collectors.joining(" "));

  private static final long CHUNK_DELAY_MS = 20;
  private static final int STREAMS = 40;
  private static final int PLAIN_CLIENTS = 4;

  /** Short plain answers (~0.3 s even when streamed upstream): some settle before the kill. */
  private static final int PLAIN_MAX_TOKENS = 16;

  /** Kills and restarts with the default {@code --reservation-sync now}. */
  private static final int CYCLES = 2;

  /** ... and with {@code later}: one, to keep the IT's time (a restart takes seconds here). */
  private static final int CYCLES_SYNCED_LATER = 1;

  /**
   * How long a restarted server may take to answer {@code /healthz} (a liveness bound, generous for
   * a loaded machine; speed is measured in bench/, not here).
   */
  private static final Duration RESTART_BOUND = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();
  private final List<ExecutorService> pools = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private FakeOpenAiUpstream fake;
  private String reservationSync; // the value of --reservation-sync of this run

  @AfterEach
  void killEverything() throws InterruptedException {
    for (ExecutorService pool : pools) {
      pool.shutdownNow();
    }
    if (fake != null) {
      fake.close();
    }
  }

  @ParameterizedTest(name = "--reservation-sync {0}")
  @ValueSource(strings = {"now", "later"})
  void aKillNineMidStreamNeverUnderCountsAndTheRestartedServerServesAtOnce(String reservationSync)
      throws Exception {
    this.reservationSync = reservationSync;
    fake =
        FakeOpenAiUpstream.start(
            0,
            FakeUpstreamSettings.DEFAULT.withChunkDelayMs(CHUNK_DELAY_MS).withResponseText(ANSWER));
    Path data = tmp.resolve("data");
    PouchProcess pouch = launch("first-start", data);
    pouch.awaitHealthy(PouchProcess.START_TIMEOUT);
    // the server reports the mode it runs in once, in its start line
    pouch.awaitStdout(
        Pattern.compile("Pouch is serving .*reservation_sync=\"?" + reservationSync + "\\b"));
    Key key = createKey(pouch);
    long recoveredBefore = 0;

    int cycles = "now".equals(reservationSync) ? CYCLES : CYCLES_SYNCED_LATER;
    for (int cycle = 1; cycle <= cycles; cycle++) {
      Load load = loadThenKill(pouch, key, "cycle " + cycle);
      awaitFakeQuiet();

      // the scenario happened: streams were cut half-way, nothing went wrong before the kill
      assertThat(load.unexpectedFailures).as(load::toString).hasValue(0);
      assertThat(load.cutByTheKill()).as(load::toString).isGreaterThanOrEqualTo(STREAMS / 2);
      assertThat(integrityCheck(data)).as("the crashed file, before any restart").isEqualTo("ok");

      long launchedAt = System.nanoTime();
      pouch = launch("restart-" + cycle, data);
      pouch.awaitHealthy(RESTART_BOUND);
      Duration restart = Duration.ofNanos(System.nanoTime() - launchedAt);
      JsonNode budget = budget(pouch, key.id);
      long served = cost(fake.promptTokens(), fake.completionTokensSent());
      System.out.printf(
          "CrashSafetyIT (%s) cycle %d: %s; restart answered /healthz in %d ms; spent %d >= served"
              + " %d%n",
          reservationSync,
          cycle,
          load,
          restart.toMillis(),
          budget.path("spent_micros").asLong(),
          served);
      assertThat(budget.path("reserved_micros").asLong())
          .as("open reservations are recovered at start: %s%s", budget, pouch.describe())
          .isZero();
      assertThat(budget.path("spent_micros").asLong())
          .as(
              "spend never below what the upstream served (%d prompt + %d completion tokens)",
              fake.promptTokens(), fake.completionTokensSent())
          .isGreaterThanOrEqualTo(served);

      List<JsonNode> recovered = recoveredRows(pouch, key.id);
      assertThat(recovered.size() - recoveredBefore)
          .as("every stream cut by the kill is settled as recovered (%s)", load)
          .isGreaterThanOrEqualTo(load.cutByTheKill());
      assertThat(recovered)
          .allSatisfy(
              row -> {
                assertThat(row.path("reserved_micros").asLong()).as(row::toString).isPositive();
                assertThat(row.path("cost_micros").asLong())
                    .as("recovered at the full reservation: %s", row)
                    .isEqualTo(row.path("reserved_micros").asLong());
              });
      recoveredBefore = recovered.size();

      long spentBefore = budget.path("spent_micros").asLong();
      assertStreamServed(pouch, key);
      JsonNode after = budget(pouch, key.id);
      assertThat(after.path("spent_micros").asLong()).isGreaterThan(spentBefore);
      assertThat(after.path("spent_micros").asLong())
          .isGreaterThanOrEqualTo(cost(fake.promptTokens(), fake.completionTokensSent()));
      assertThat(after.path("reserved_micros").asLong()).isZero();
    }

    pouch.stop();
    assertThat(integrityCheck(data)).isEqualTo("ok");
    assertLedgerReconciles(data, key.id);
  }

  // --- the load ----------------------------------------------------------------------------------

  /** What the clients saw of one load, up to the kill. */
  private static final class Load {
    final AtomicInteger streamsBegun = new AtomicInteger();
    final AtomicInteger streamsFinished = new AtomicInteger();
    final AtomicInteger plainServed = new AtomicInteger();
    final AtomicInteger unexpectedFailures = new AtomicInteger();
    final List<String> failures = new ArrayList<>();
    final AtomicBoolean killed = new AtomicBoolean();
    volatile int cutAtKill;

    /** Streams that had begun (status 200, a first chunk) and not ended when the kill came. */
    int cutByTheKill() {
      return cutAtKill;
    }

    void failed(String what, Throwable cause) {
      if (!killed.get()) {
        unexpectedFailures.incrementAndGet();
        synchronized (failures) {
          failures.add(what + ": " + cause);
        }
      }
    }

    @Override
    public String toString() {
      synchronized (failures) {
        return String.format(
            "%d streams begun, %d finished, %d cut by the kill, %d plain answers, failures before"
                + " the kill: %s",
            streamsBegun.get(), streamsFinished.get(), cutAtKill, plainServed.get(), failures);
      }
    }
  }

  /**
   * Starts {@link #STREAMS} streams and {@link #PLAIN_CLIENTS} clients sending plain requests one
   * after another, waits until every stream has its first chunk and a little more, then kills the
   * server with SIGKILL and waits for the clients to notice.
   */
  private Load loadThenKill(PouchProcess pouch, Key key, String label) throws Exception {
    Load load = new Load();
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(STREAMS + PLAIN_CLIENTS);
    pools.add(pool);
    CountDownLatch begun = new CountDownLatch(STREAMS);
    List<Future<?>> clients = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      int n = i;
      clients.add(pool.submit(() -> stream(client, pouch, key, label, n, load, begun)));
    }
    for (int i = 0; i < PLAIN_CLIENTS; i++) {
      int n = i;
      clients.add(pool.submit(() -> plainRequests(client, pouch, key, label, n, load)));
    }

    assertThat(begun.await(15, TimeUnit.SECONDS))
        .as("every stream got its first chunk (%s)%s", load, pouch.describe())
        .isTrue();
    Thread.sleep(600); // half-way: ~30 more tokens of each ~240-token stream

    load.killed.set(true);
    load.cutAtKill = load.streamsBegun.get() - load.streamsFinished.get();
    pouch.kill();

    for (Future<?> future : clients) {
      try {
        future.get(15, TimeUnit.SECONDS);
      } catch (TimeoutException stuck) {
        throw new AssertionError("a client did not notice the kill within 15 s: " + load, stuck);
      }
    }
    pool.shutdownNow();
    return load;
  }

  private void stream(
      HttpClient client,
      PouchProcess pouch,
      Key key,
      String label,
      int n,
      Load load,
      CountDownLatch begun) {
    // Half the streams are chat completions, half the Responses API's: both must recover.
    boolean responses = n % 2 == 1;
    Map<String, Object> body;
    if (responses) {
      body = new LinkedHashMap<>();
      body.put("model", MODEL);
      body.put("input", "Tell me a story: " + label + ", stream " + n);
      body.put("stream", true);
    } else {
      body = chatBody(label + ", stream " + n, null);
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    boolean counted = false;
    try {
      HttpResponse<InputStream> response =
          client.send(
              request(pouch, key, responses ? "/v1/responses" : "/v1/chat/completions", body),
              HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        if (response.statusCode() != 200) {
          load.failed("stream " + n, new IllegalStateException("status " + response.statusCode()));
          return;
        }
        String line;
        while ((line = reader.readLine()) != null) {
          if (!line.startsWith("data: ")) {
            continue;
          }
          if (!counted) {
            counted = true;
            load.streamsBegun.incrementAndGet();
            begun.countDown();
          }
          if (responses
              ? line.contains("\"type\":\"response.completed\"")
              : line.equals("data: [DONE]")) {
            load.streamsFinished.incrementAndGet();
            return;
          }
        }
        load.failed("stream " + n, new IOException("ended before its answer was complete"));
      }
    } catch (IOException | RuntimeException e) {
      load.failed("stream " + n, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!counted) {
        begun.countDown(); // a failure is reported by the load, not by a timeout
      }
    }
  }

  private void plainRequests(
      HttpClient client, PouchProcess pouch, Key key, String label, int n, Load load) {
    for (int i = 0; !load.killed.get(); i++) {
      try {
        HttpResponse<String> response =
            client.send(
                chatRequest(
                    pouch, key, chatBody(label + ", plain " + n + "." + i, PLAIN_MAX_TOKENS)),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          load.plainServed.incrementAndGet();
        } else {
          load.failed("plain " + n, new IllegalStateException(response.body()));
        }
        Thread.sleep(40);
      } catch (IOException | RuntimeException e) {
        load.failed("plain " + n, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Waits until the fake's counters stop moving: its writes to the dead server have failed. */
  private void awaitFakeQuiet() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      long now = fake.completionTokensSent() + fake.promptTokens();
      if (now == last) {
        return;
      }
      last = now;
      Thread.sleep(300);
    }
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private record Key(String id, String secret) {}

  private PouchProcess launch(String label, Path data) throws IOException {
    return children.launch(
        label,
        PouchProcess.newestJdk(),
        tmp,
        data,
        Map.of("POUCH_ADMIN_TOKEN", ADMIN_TOKEN),
        "--reservation-sync",
        reservationSync);
  }

  private Key createKey(PouchProcess pouch) throws Exception {
    Map<String, Object> body =
        KeyBody.openAi("crash-safety", fake.baseUrl())
            .providerSetting("api_key", "sk-x")
            .budgetMicros(BUDGET_MICROS)
            .toMap();
    HttpResponse<String> response = admin(pouch, "POST", "/api/keys", body);
    assertThat(response.statusCode()).as("%s%s", response.body(), pouch.describe()).isEqualTo(201);
    JsonNode created = json.readTree(response.body());
    return new Key(created.path("id").asText(), created.path("key").asText());
  }

  private JsonNode budget(PouchProcess pouch, String keyId) throws Exception {
    HttpResponse<String> response = admin(pouch, "GET", "/api/keys/" + keyId, null);
    assertThat(response.statusCode()).as("%s%s", response.body(), pouch.describe()).isEqualTo(200);
    return json.readTree(response.body()).path("budget");
  }

  private List<JsonNode> recoveredRows(PouchProcess pouch, String keyId) throws Exception {
    HttpResponse<String> response =
        admin(pouch, "GET", "/api/requests?limit=1000&key_id=" + keyId, null);
    assertThat(response.statusCode()).as("%s%s", response.body(), pouch.describe()).isEqualTo(200);
    JsonNode rows = json.readTree(response.body());
    assertThat(rows.size()).as("the whole log fits one page").isLessThan(1000);
    List<JsonNode> recovered = new ArrayList<>();
    for (JsonNode row : rows) {
      if ("recovered".equals(row.path("settlement").asText())) {
        recovered.add(row);
      }
    }
    return recovered;
  }

  /** A short stream on the key, read to its end. */
  private void assertStreamServed(PouchProcess pouch, Key key) throws Exception {
    Map<String, Object> body = chatBody("after the restart", 8);
    body.put("stream", true);
    HttpResponse<String> response =
        http.send(chatRequest(pouch, key, body), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s%s", response.body(), pouch.describe()).isEqualTo(200);
    assertThat(response.body()).as(response.body()).contains("data: [DONE]");
  }

  private static Map<String, Object> chatBody(String content, Integer maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", MODEL);
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me a story: " + content)));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    return body;
  }

  private HttpRequest chatRequest(PouchProcess pouch, Key key, Map<String, Object> body)
      throws IOException {
    return request(pouch, key, "/v1/chat/completions", body);
  }

  private HttpRequest request(PouchProcess pouch, Key key, String path, Map<String, Object> body)
      throws IOException {
    return HttpRequest.newBuilder(pouch.uri(path))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + key.secret)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
        .build();
  }

  private HttpResponse<String> admin(PouchProcess pouch, String method, String path, Object body)
      throws Exception {
    return pouch.send(method, path, ADMIN_TOKEN, body);
  }

  // --- money and the file ------------------------------------------------------------------------

  /** What the table price makes of these tokens, rounded up to the micro-dollar. */
  private static long cost(long promptTokens, long completionTokens) {
    long scaled = promptTokens * INPUT_PER_MTOK + completionTokens * OUTPUT_PER_MTOK;
    return (scaled + 999_999) / 1_000_000;
  }

  private static Connection readOnly(Path data) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    return config.createConnection("jdbc:sqlite:" + data.resolve("pouch.db"));
  }

  /** {@code PRAGMA integrity_check} and {@code foreign_key_check} on a read-only connection. */
  private static String integrityCheck(Path data) throws SQLException {
    try (Connection connection = readOnly(data);
        Statement statement = connection.createStatement()) {
      List<String> problems = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery("PRAGMA integrity_check")) {
        while (rs.next()) {
          problems.add(rs.getString(1));
        }
      }
      try (ResultSet rs = statement.executeQuery("PRAGMA foreign_key_check")) {
        while (rs.next()) {
          problems.add("foreign key: " + rs.getString(1) + " row " + rs.getLong(2));
        }
      }
      return String.join("\n", problems);
    }
  }

  /**
   * After a clean stop, straight from the tables: nothing open, and the key's spend is exactly the
   * sum of its settlements' log rows and of all its log rows (nothing lost, nothing twice).
   */
  private static void assertLedgerReconciles(Path data, String keyId) throws SQLException {
    try (Connection connection = readOnly(data)) {
      long open = one(connection, "SELECT count(*) FROM reservations", "");
      long spent =
          one(
              connection,
              "SELECT spent_micros FROM budgets WHERE owner_id = ? AND position = 0",
              keyId);
      long reserved =
          one(
              connection,
              "SELECT reserved_micros FROM budgets WHERE owner_id = ? AND position = 0",
              keyId);
      long settled =
          one(
              connection,
              "SELECT coalesce(sum(cost_micros), 0) FROM request_log"
                  + " WHERE key_id = ? AND basis IS NOT NULL",
              keyId);
      long logged =
          one(
              connection,
              "SELECT coalesce(sum(cost_micros), 0) FROM request_log WHERE key_id = ?",
              keyId);
      assertThat(open).isZero();
      assertThat(reserved).isZero();
      assertThat(spent).isPositive().isEqualTo(settled).isEqualTo(logged);
    }
  }

  private static long one(Connection connection, String sql, String parameter) throws SQLException {
    try (var statement = connection.prepareStatement(sql)) {
      if (sql.contains("?")) {
        statement.setString(1, parameter);
      }
      try (ResultSet rs = statement.executeQuery()) {
        assertThat(rs.next()).as(sql).isTrue();
        return rs.getLong(1);
      }
    }
  }
}
