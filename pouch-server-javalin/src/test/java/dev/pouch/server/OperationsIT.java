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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * The fat jar as operators run it: SIGTERM mid-stream drains gracefully (streams that fit the grace
 * finish, the others are cut with an error event, every reservation is settled, checked straight in
 * the SQLite file before any restart), and {@code --log-format json} writes one flat JSON object
 * per line with an access line per request carrying Pouch's {@code x-request-id} and the client's.
 */
class OperationsIT {
  private static final String ADMIN_TOKEN = "pt-admin-operations-it";
  private static final String MODEL = "gpt-4o-mini";
  // gpt-4o-mini in the bundled price table: $0.15 / $0.60 per million tokens
  private static final long INPUT_PER_MTOK = 150_000;
  private static final long OUTPUT_PER_MTOK = 600_000;
  private static final long CHUNK_DELAY_MS = 20;
  private static final int STREAMS = 4;

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private ExecutorService pool;
  private FakeOpenAiUpstream fake;

  @AfterEach
  void stopEverything() throws InterruptedException {
    if (pool != null) {
      pool.shutdownNow();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private static String answer(int words) {
    return IntStream.range(0, words).mapToObj(i -> "word" + i).collect(Collectors.joining(" "));
  }

  @Test
  void sigtermLetsStreamsWithinTheGraceFinishRefusesNewRequestsAndSettlesEverything()
      throws Exception {
    // ~100 tokens 20 ms apart: about 2 s per stream, well within a 30 s grace
    fake =
        FakeOpenAiUpstream.start(
            0,
            FakeUpstreamSettings.DEFAULT
                .withChunkDelayMs(CHUNK_DELAY_MS)
                .withResponseText(answer(100)));
    Path data = tmp.resolve("data");
    PouchProcess pouch = launch("graceful", data, "--shutdown-grace-seconds", "30");
    pouch.awaitHealthy(PouchProcess.START_TIMEOUT);
    TestKey key = createKey(pouch);

    List<Future<List<String>>> streams = openStreams(pouch, key);
    pouch.process.destroy(); // SIGTERM
    awaitDraining(pouch);
    assertNewRequestsRefused(pouch, key);

    for (Future<List<String>> stream : streams) {
      List<String> events = events(stream, pouch);
      assertThat(events).as(pouch::describe).last().isEqualTo("data: [DONE]");
      assertThat(events).as("no stream was cut").noneMatch(e -> e.contains("server_shutting_down"));
    }
    assertThat(pouch.process.waitFor(60, TimeUnit.SECONDS)).as(pouch::describe).isTrue();
    assertThat(pouch.stderr()).doesNotContain("Exception");

    Ledger ledger = Ledger.read(data, key.id);
    assertThat(ledger.openReservations).as("%s%s", ledger, pouch.describe()).isZero();
    assertThat(ledger.reserved).isZero();
    assertThat(ledger.spent).isPositive().isEqualTo(ledger.settled).isEqualTo(ledger.logged);
    assertThat(ledger.rows).isEqualTo(STREAMS);
    assertThat(ledger.spent).isGreaterThanOrEqualTo(servedCost());
  }

  @Test
  void aShortGraceCutsTheStreamsWithAnErrorEventAndChargesThem() throws Exception {
    // 400 tokens 20 ms apart: about 8 s per stream, far past a 1 s grace
    fake =
        FakeOpenAiUpstream.start(
            0,
            FakeUpstreamSettings.DEFAULT
                .withChunkDelayMs(CHUNK_DELAY_MS)
                .withResponseText(answer(400)));
    Path data = tmp.resolve("data");
    PouchProcess pouch = launch("short-grace", data, "--shutdown-grace-seconds", "1");
    pouch.awaitHealthy(PouchProcess.START_TIMEOUT);
    TestKey key = createKey(pouch);

    List<Future<List<String>>> streams = openStreams(pouch, key);
    pouch.process.destroy(); // SIGTERM

    for (Future<List<String>> stream : streams) {
      List<String> events = events(stream, pouch);
      assertThat(events).as(pouch::describe).hasSizeGreaterThan(2);
      assertThat(events.get(events.size() - 2))
          .as("the cut stream ends with an error event")
          .contains("\"code\":\"server_shutting_down\"");
      assertThat(events).last().isEqualTo("data: [DONE]");
    }
    assertThat(pouch.process.waitFor(60, TimeUnit.SECONDS)).as(pouch::describe).isTrue();
    awaitFakeQuiet();

    Ledger ledger = Ledger.read(data, key.id);
    assertThat(ledger.openReservations).as("%s%s", ledger, pouch.describe()).isZero();
    assertThat(ledger.reserved).isZero();
    assertThat(ledger.spent).isPositive().isEqualTo(ledger.settled).isEqualTo(ledger.logged);
    assertThat(ledger.rows).isEqualTo(STREAMS);
    assertThat(ledger.spent)
        .as("cut streams are charged at least what the upstream served")
        .isGreaterThanOrEqualTo(servedCost());
  }

  @Test
  void jsonLogsAreOneObjectPerLineWithAnAccessLinePerRequest() throws Exception {
    fake = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(answer(5)));
    Path data = tmp.resolve("data");
    PouchProcess pouch = launch("json-logs", data, "--log-format", "json");
    pouch.awaitHealthy(PouchProcess.START_TIMEOUT);
    TestKey key = createKey(pouch);

    HttpResponse<String> answered =
        http.send(
            chatRequest(pouch, key, chatBody(false)).header("x-request-id", "it-plain-1").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    String plainId = pouchsId(answered, "it-plain-1");
    HttpResponse<String> streamed =
        http.send(
            chatRequest(pouch, key, chatBody(true)).header("x-request-id", "it-stream-1").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(streamed.statusCode()).isEqualTo(200);
    String streamId = pouchsId(streamed, "it-stream-1");
    HttpResponse<String> refused =
        http.send(
            HttpRequest.newBuilder(pouch.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer pa-not-a-key")
                .header("x-request-id", "it-refused-1")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
    String refusedId = pouchsId(refused, "it-refused-1");
    pouch.stop();

    String stdout = pouch.stdout();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (!line.isBlank()) {
        lines.add(json.readTree(line)); // every line is one JSON object
      }
    }
    assertThat(lines).as(stdout).hasSizeGreaterThan(3).allMatch(JsonNode::isObject);
    assertThat(stdout + pouch.stderr())
        .as("never a raw key or upstream secret")
        .doesNotContain(key.secret)
        .doesNotContain("sk-operations-it-upstream");

    for (JsonNode line : lines) {
      assertThat(java.time.OffsetDateTime.parse(line.get("timestamp").asText()).getOffset())
          .as("an ISO-8601 UTC timestamp: %s", line)
          .isEqualTo(java.time.ZoneOffset.UTC);
      assertThat(line.has("level") && line.has("logger") && line.has("message")).isTrue();
    }

    Map<String, JsonNode> plain = accessLine(lines, plainId, stdout);
    assertThat(plain.get("client_request_id").asText()).isEqualTo("it-plain-1");
    assertThat(plain.get("method").asText()).isEqualTo("POST");
    assertThat(plain.get("route").asText()).isEqualTo("/v1/chat/completions");
    assertThat(plain.get("status").isInt()).as("typed: %s", plain).isTrue();
    assertThat(plain.get("status").asInt()).isEqualTo(200);
    assertThat(plain.get("model").asText()).isEqualTo(MODEL);
    assertThat(plain.get("stream").isBoolean()).as("typed: %s", plain).isTrue();
    assertThat(plain.get("stream").asBoolean()).isFalse();
    assertThat(plain.get("key_prefix").asText()).startsWith("pa-");
    assertThat(key.secret).startsWith(plain.get("key_prefix").asText());
    assertThat(plain.get("key_prefix").asText()).hasSizeLessThan(key.secret.length() / 2);
    assertThat(plain.get("completion_tokens").isIntegralNumber()).isTrue();
    assertThat(plain.get("completion_tokens").asLong()).isEqualTo(5);
    assertThat(plain.get("cost_micros").asLong()).isPositive();
    assertThat(plain.get("latency_ms").asLong()).isNotNegative();

    Map<String, JsonNode> stream = accessLine(lines, streamId, stdout);
    assertThat(stream.get("client_request_id").asText()).isEqualTo("it-stream-1");
    assertThat(stream.get("stream").asBoolean()).isTrue();
    assertThat(stream.get("status").asInt()).isEqualTo(200);
    assertThat(stream.get("cost_micros").asLong()).isPositive();

    Map<String, JsonNode> denied = accessLine(lines, refusedId, stdout);
    assertThat(denied.get("client_request_id").asText()).isEqualTo("it-refused-1");
    assertThat(denied.get("status").asInt()).isEqualTo(401);
    assertThat(denied.get("error_code").asText()).isEqualTo("invalid_api_key");
  }

  /** Pouch's own id of a response, never the one its client sent. */
  private static String pouchsId(HttpResponse<String> response, String clientId) {
    String id = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(id).startsWith("req_").isNotEqualTo(clientId);
    return id;
  }

  /**
   * The fields of the one access line of a request: flat, with exactly one {@code request_id} (a
   * repeated key would break log pipelines that refuse duplicates).
   */
  private Map<String, JsonNode> accessLine(List<JsonNode> lines, String requestId, String stdout)
      throws Exception {
    List<Map<String, JsonNode>> found = new ArrayList<>();
    for (String raw : stdout.split("\n")) {
      if (raw.isBlank()) {
        continue;
      }
      JsonNode line = json.readTree(raw);
      if (!"pouch.access".equals(line.path("logger").asText())
          || !requestId.equals(line.path("request_id").asText())) {
        continue;
      }
      assertThat(raw.split("\"request_id\"", -1)).as("one request_id in %s", raw).hasSize(2);
      Map<String, JsonNode> fields = new LinkedHashMap<>();
      line.properties().forEach(field -> fields.put(field.getKey(), field.getValue()));
      found.add(fields);
    }
    assertThat(found).as("one access line for %s in%n%s", requestId, stdout).hasSize(1);
    assertThat(lines).isNotEmpty();
    return found.get(0);
  }

  // --- streams -------------------------------------------------------------------------------

  private static List<String> events(Future<List<String>> stream, PouchProcess pouch)
      throws Exception {
    try {
      return stream.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException failed) {
      pouch.process.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("a stream failed" + pouch.describe(), failed.getCause());
    }
  }

  /** Opens the streams and returns once each has delivered its first event. */
  private List<Future<List<String>>> openStreams(PouchProcess pouch, TestKey key) throws Exception {
    pool = Executors.newFixedThreadPool(STREAMS);
    CountDownLatch begun = new CountDownLatch(STREAMS);
    List<Future<List<String>>> streams = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      streams.add(pool.submit(() -> readStream(pouch, key, begun)));
    }
    assertThat(begun.await(30, TimeUnit.SECONDS)).as(pouch::describe).isTrue();
    return streams;
  }

  private List<String> readStream(PouchProcess pouch, TestKey key, CountDownLatch begun)
      throws Exception {
    List<String> events = new ArrayList<>();
    try {
      HttpResponse<InputStream> response =
          http.send(
              chatRequest(pouch, key, chatBody(true)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.startsWith("data: ")) {
            events.add(line);
            begun.countDown();
          }
        }
      }
      return events;
    } finally {
      begun.countDown();
    }
  }

  /** Waits until the stopping server says it is not ready (or no longer answers). */
  private void awaitDraining(PouchProcess pouch) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(pouch.uri("/readyz")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 503) {
          assertThat(json.readTree(ready.body()).path("error").path("code").asText())
              .isEqualTo("server_shutting_down");
          return;
        }
      } catch (IOException refused) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("/readyz never answered 503 after SIGTERM" + pouch.describe());
  }

  private void assertNewRequestsRefused(PouchProcess pouch, TestKey key) throws Exception {
    try {
      HttpResponse<String> late =
          http.send(
              chatRequest(pouch, key, chatBody(false)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(late.statusCode()).as(late.body()).isEqualTo(503);
      assertThat(json.readTree(late.body()).path("error").path("code").asText())
          .isEqualTo("server_shutting_down");
    } catch (IOException connectionRefused) {
      // also a refusal: the listener is closed
    }
  }

  /** Waits until the fake's counters stop moving: its writes to the closed streams have failed. */
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

  /** What the table price makes of the tokens the fake served, rounded up. */
  private long servedCost() {
    long scaled =
        fake.promptTokens() * INPUT_PER_MTOK + fake.completionTokensSent() * OUTPUT_PER_MTOK;
    return (scaled + 999_999) / 1_000_000;
  }

  // --- HTTP ----------------------------------------------------------------------------------

  private record TestKey(String id, String secret) {}

  private PouchProcess launch(String label, Path data, String... extraArgs) throws IOException {
    return children.launch(
        label,
        PouchProcess.newestJdk(),
        tmp,
        data,
        Map.of("POUCH_ADMIN_TOKEN", ADMIN_TOKEN),
        extraArgs);
  }

  private TestKey createKey(PouchProcess pouch) throws Exception {
    Map<String, Object> body =
        KeyBody.openAi("operations", fake.baseUrl())
            .providerSetting("api_key", "sk-operations-it-upstream")
            .budgetMicros(5_000_000)
            .toMap();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(pouch.uri("/api/keys"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s%s", response.body(), pouch.describe()).isEqualTo(201);
    JsonNode created = json.readTree(response.body());
    return new TestKey(created.path("id").asText(), created.path("key").asText());
  }

  private static Map<String, Object> chatBody(boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", MODEL);
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me a story")));
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  private HttpRequest.Builder chatRequest(PouchProcess pouch, TestKey key, Map<String, Object> body)
      throws IOException {
    return HttpRequest.newBuilder(pouch.uri("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + key.secret)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
  }

  // --- the SQLite file, read directly before any restart -----------------------------------

  private record Ledger(
      long openReservations, long reserved, long spent, long settled, long logged, long rows) {

    static Ledger read(Path data, String keyId) throws SQLException {
      SQLiteConfig config = new SQLiteConfig();
      config.setReadOnly(true);
      try (Connection connection =
          config.createConnection("jdbc:sqlite:" + data.resolve("pouch.db"))) {
        return new Ledger(
            one(connection, "SELECT count(*) FROM reservations", null),
            one(
                connection,
                "SELECT reserved_micros FROM budgets WHERE owner_id = ? AND position = 0",
                keyId),
            one(
                connection,
                "SELECT spent_micros FROM budgets WHERE owner_id = ? AND position = 0",
                keyId),
            one(
                connection,
                "SELECT coalesce(sum(cost_micros), 0) FROM request_log"
                    + " WHERE key_id = ? AND basis IS NOT NULL",
                keyId),
            one(
                connection,
                "SELECT coalesce(sum(cost_micros), 0) FROM request_log WHERE key_id = ?",
                keyId),
            one(connection, "SELECT count(*) FROM request_log WHERE key_id = ?", keyId));
      }
    }

    private static long one(Connection connection, String sql, String parameter)
        throws SQLException {
      try (var statement = connection.prepareStatement(sql)) {
        if (parameter != null) {
          statement.setString(1, parameter);
        }
        try (ResultSet rs = statement.executeQuery()) {
          assertThat(rs.next()).as(sql).isTrue();
          return rs.getLong(1);
        }
      }
    }
  }
}
