package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.domain.budget.Budget;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations over real HTTP: Prometheus metrics moved by requests, the request id on every
 * response, readiness, metrics behind the admin token, and a graceful stop that refuses new
 * requests, cuts the stream that outlives the grace with an error event and leaves nothing
 * reserved.
 */
class OperationsTest extends ServerTest {
  private static final Pattern REQUEST_ID = Pattern.compile("req_[0-9a-f]{28}");

  @TempDir Path otherData;

  private static Map<String, Object> chat(boolean stream, Integer maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "m");
    body.put("messages", List.of(Map.of("role", "user", "content", "count the sheep")));
    if (stream) {
      body.put("stream", true);
    }
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    return body;
  }

  private String scrape() {
    TestPouch.Reply reply = pouch.send("GET", "/metrics", null, null);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    assertThat(reply.response().headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    return reply.raw();
  }

  /** The value of the one sample whose name and labels start as given. */
  private static double sample(String scrape, String nameAndLabels) {
    List<Double> values = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(nameAndLabels)) {
        values.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    assertThat(values).as("one sample %s in%n%s", nameAndLabels, scrape).hasSize(1);
    return values.get(0);
  }

  @Test
  void requestsSpendAndRefusalsShowInTheMetricsWithTheirLabels() {
    TestPouch.CreatedTestKey paying =
        pouch.createKey(KeyBody.mock("paying").prices("1", "2").budgetMicros(1_000_000));
    TestPouch.CreatedTestKey limited =
        pouch.createKey(
            KeyBody.mock("limited").middleware("rate_limit", Map.of("limit", 1, "period", 60)));
    TestPouch.CreatedTestKey broke =
        pouch.createKey(KeyBody.mock("broke").prices("1000", "1000").budgetMicros(1));

    assertThat(pouch.chat(paying, chat(false, 8)).status()).isEqualTo(200);
    assertThat(pouch.chat(paying, chat(false, 8)).status()).isEqualTo(200);
    assertThat(pouch.chat(limited, chat(false, 8)).status()).isEqualTo(200);
    assertThat(pouch.chat(limited, chat(false, 8)).errorCode()).isEqualTo("rate_limit_exceeded");
    assertThat(pouch.chat(broke, chat(false, 8)).errorCode()).isEqualTo("budget_exceeded");
    long spent = pouch.budget(paying.id()).get("spent_micros").asLong();

    String metrics = scrape();
    assertThat(
            sample(
                metrics,
                "pouch_http_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\","
                    + "status=\"200\"}"))
        .isEqualTo(3);
    assertThat(
            sample(
                metrics,
                "pouch_http_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\","
                    + "status=\"429\"}"))
        .isEqualTo(1);
    assertThat(
            sample(
                metrics,
                "pouch_http_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\","
                    + "status=\"402\"}"))
        .isEqualTo(1);
    assertThat(
            sample(
                metrics,
                "pouch_http_requests_seconds_count{method=\"GET\",route=\"/api/keys/{id}\","
                    + "status=\"200\"}"))
        .as("routes are patterns, not raw paths")
        .isEqualTo(1);
    assertThat(metrics).contains("pouch_http_requests_seconds_bucket{");
    assertThat(sample(metrics, "pouch_refusals_total{reason=\"rate_limit_exceeded\"}"))
        .isEqualTo(1);
    assertThat(sample(metrics, "pouch_refusals_total{reason=\"budget_exceeded\"}")).isEqualTo(1);
    assertThat(spent).isPositive();
    assertThat(sample(metrics, "pouch_spend_micros_total{model=\"m\",provider=\"mock\"}"))
        .as("the paying key is the only one with a spend")
        .isEqualTo(spent);
    assertThat(sample(metrics, "pouch_tokens_total{kind=\"completion\",model=\"m\"")).isPositive();
    assertThat(
            sample(
                metrics,
                "pouch_upstream_latency_seconds_count{provider=\"mock\",stream=\"false\"}"))
        .isEqualTo(3);
    assertThat(sample(metrics, "pouch_reservations_outstanding ")).isZero();
    assertThat(sample(metrics, "pouch_streams_active ")).isZero();
  }

  @Test
  void anOpenStreamCountsAsActiveAndOutstandingUntilItEnds() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("slow")
                .prices("1", "1")
                .budgetMicros(1_000_000)
                .providerSetting("stream_chunk_delay_ms", 300));
    HttpResponse<InputStream> response = pouch.openStream(key, chat(true, 4));
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).startsWith("data: {");

      String during = scrape();
      assertThat(sample(during, "pouch_streams_active ")).isEqualTo(1);
      assertThat(sample(during, "pouch_reservations_outstanding ")).isEqualTo(1);

      String line;
      String last = null;
      while ((line = lines.readLine()) != null) {
        if (!line.isEmpty()) {
          last = line;
        }
      }
      assertThat(last).isEqualTo("data: [DONE]");
    }
    String after = awaitScrape("pouch_streams_active 0.0");
    assertThat(sample(after, "pouch_streams_active ")).isZero();
    assertThat(sample(after, "pouch_reservations_outstanding ")).isZero();
    assertThat(sample(after, "pouch_stream_first_byte_seconds_count{provider=\"mock\"}"))
        .isEqualTo(1);
    assertThat(
            sample(
                after, "pouch_upstream_latency_seconds_count{provider=\"mock\",stream=\"true\"}"))
        .isEqualTo(1);
    assertThat(sample(after, "pouch_spend_micros_total{model=\"m\",provider=\"mock\"}"))
        .isEqualTo(pouch.budget(key.id()).get("spent_micros").asLong());
  }

  /** The server ends its side of a stream just after the client saw [DONE]: wait for it. */
  private String awaitScrape(String expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String metrics = scrape();
    while (!metrics.contains(expected) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      metrics = scrape();
    }
    return metrics;
  }

  @Test
  void everyResponseCarriesPouchsOwnRequestIdNeverTheClients() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("ids"));
    for (String[] call :
        new String[][] {
          {"POST", "/v1/chat/completions", key.bearer()},
          {"POST", "/v1/chat/completions", "Bearer pa-wrong"},
          {"GET", "/api/keys", "Bearer " + TestPouch.ADMIN_TOKEN},
          {"GET", "/api/keys", "Bearer wrong"},
          {"GET", "/no/such/route", null},
          {"GET", "/healthz", null},
        }) {
      Set<String> ids = new HashSet<>();
      for (String clientId : new String[] {"client-id.42", "bad id\u00e9", null}) {
        HttpResponse<String> response = send(call[0], call[1], call[2], clientId);
        String id = response.headers().firstValue("x-request-id").orElse("");
        assertThat(id)
            .as("%s %s -> %d", call[0], call[1], response.statusCode())
            .matches(REQUEST_ID);
        ids.add(id);
      }
      assertThat(ids).as("a new id each time").hasSize(3);
    }
  }

  private HttpResponse<String> send(String method, String path, String auth, String requestId) {
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(pouch.baseUrl() + path))
              .timeout(Duration.ofSeconds(10))
              .method(
                  method,
                  "POST".equals(method)
                      ? HttpRequest.BodyPublishers.ofString(
                          pouch.json().writeValueAsString(chat(false, 4)))
                      : HttpRequest.BodyPublishers.noBody());
      if (auth != null) {
        request.header("Authorization", auth);
      }
      if (requestId != null) {
        request.header("x-request-id", requestId);
      }
      return pouch.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void readyzAnswersReadyWhenTheStoreAnswers() {
    TestPouch.Reply ready = pouch.send("GET", "/readyz", null, null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.body().path("status").asText()).isEqualTo("ready");
    assertThat(pouch.send("GET", "/healthz", null, null).status()).isEqualTo(200);
  }

  @Test
  void anOnlineBackupIsAConsistentCopyOfTheStore() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("backed-up").prices("1", "1").budgetMicros(1_000_000));
    assertThat(pouch.chat(key, chat(false, 8)).status()).isEqualTo(200);
    long spent = pouch.budget(key.id()).get("spent_micros").asLong();

    assertThat(pouch.send("POST", "/api/backup", "Bearer wrong", null).errorCode())
        .isEqualTo("invalid_admin_token");
    TestPouch.Reply backup = pouch.admin("POST", "/api/backup", null);
    assertThat(backup.status()).as(backup.raw()).isEqualTo(201);
    Path file = Path.of(backup.body().path("file").asText());
    assertThat(file).startsWith(pouch.dataDir().resolve("backups").toAbsolutePath());
    assertThat(backup.body().path("bytes").asLong()).isEqualTo(java.nio.file.Files.size(file));

    try (SqliteStore copy = SqliteStore.open(file)) {
      assertThat(copy.findById(key.id())).isPresent();
      assertThat(copy.find(key.id()).orElseThrow().spentMicros()).isEqualTo(spent).isPositive();
      assertThat(copy.list(key.id(), null, 10)).hasSize(1);
    }
  }

  @Test
  void metricsMayRequireTheAdminToken() {
    try (TestPouch guarded =
        TestPouch.start(
            otherData,
            config -> config.withOperations(config.operations().withMetricsAuth(true)))) {
      TestPouch.Reply anonymous = guarded.send("GET", "/metrics", null, null);
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.errorCode()).isEqualTo("invalid_admin_token");
      assertThat(guarded.send("GET", "/metrics", "Bearer wrong", null).status()).isEqualTo(401);
      TestPouch.Reply admin = guarded.admin("GET", "/metrics", null);
      assertThat(admin.status()).isEqualTo(200);
      assertThat(admin.raw()).contains("pouch_streams_active");
    }
  }

  @Test
  void aStopRefusesNewRequestsCutsTheStreamPastTheGraceAndLeavesNothingReserved() throws Exception {
    Path dir = otherData.resolve("stop");
    TestPouch stopping =
        TestPouch.start(
            dir,
            config ->
                config.withOperations(
                    config.operations().withShutdownGrace(Duration.ofSeconds(1))));
    TestPouch.CreatedTestKey key =
        stopping.createKey(
            KeyBody.mock("endless")
                .prices("1", "1")
                .budgetMicros(1_000_000)
                .providerSetting("stream_chunk_delay_ms", 200));
    HttpResponse<InputStream> response = stopping.openStream(key, chat(true, 200));
    List<String> received = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).startsWith("data: {");
      CompletableFuture<Void> stop = CompletableFuture.runAsync(stopping::close);
      awaitNotReady(stopping);

      TestPouch.Reply refused = stopping.chat(key, chat(false, 4));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.errorCode()).isEqualTo("server_shutting_down");
      assertThat(refused.errorType()).isEqualTo("server_error");
      assertThat(refused.response().headers().firstValue("x-request-id")).isPresent();

      String line;
      while ((line = lines.readLine()) != null) {
        if (!line.isEmpty()) {
          received.add(line);
        }
      }
      stop.get(30, TimeUnit.SECONDS);
    }
    assertThat(received).hasSizeGreaterThanOrEqualTo(2);
    assertThat(received.get(received.size() - 2)).contains("\"code\":\"server_shutting_down\"");
    assertThat(received.get(received.size() - 1)).isEqualTo("data: [DONE]");

    try (SqliteStore store = SqliteStore.open(dir.resolve("pouch.db"))) {
      Budget budget = store.find(key.id()).orElseThrow();
      assertThat(budget.reservedMicros()).as("nothing stays reserved").isZero();
      assertThat(budget.spentMicros()).isPositive();
      assertThat(store.list(key.id(), null, 10))
          .singleElement()
          .satisfies(row -> assertThat(row.costMicros()).isEqualTo(budget.spentMicros()));
    }
  }

  private static void awaitNotReady(TestPouch server) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (server.send("GET", "/readyz", null, null).status() == 503) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("/readyz never answered 503 during the stop");
  }
}
