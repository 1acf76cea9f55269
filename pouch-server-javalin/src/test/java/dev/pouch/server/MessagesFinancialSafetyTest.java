package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FINANCIAL_SAFETY G1, G2, G5, G6 and G11 on Anthropic's {@code POST /v1/messages}, against the
 * fake Anthropic upstream over real HTTP: concurrent requests on one small budget (plain and
 * streamed, with and without prompt-cache writes), a stream cut at the cap, an upstream that
 * ignores {@code max_tokens}, a stream that breaks, implausible usage and a client that leaves. The
 * budget is never overbooked, and each request is charged exactly what the upstream served it at
 * the table's price — or, where that cannot be known, its full reservation, never less.
 */
class MessagesFinancialSafetyTest extends ServerTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private FakeAnthropicUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeAnthropicUpstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private TestPouch.CreatedTestKey key(long budgetMicros) {
    return pouch.createKey(
        KeyBody.anthropic("safety", upstream.baseUrl()).budgetMicros(budgetMicros));
  }

  private static Map<String, Object> body(boolean stream, long maxTokens, String cacheTtl) {
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("type", "text");
    block.put("text", "Tell me something about budgets, please.");
    if (cacheTtl != null) {
      block.put("cache_control", Map.of("type", "ephemeral", "ttl", cacheTtl));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", AnthropicSdkClientTest.MODEL);
    body.put("max_tokens", maxTokens);
    body.put("system", List.of(block));
    body.put("messages", List.of(Map.of("role", "user", "content", "Hello")));
    body.put("stream", stream);
    return body;
  }

  private HttpResponse<String> post(TestPouch.CreatedTestKey key, Map<String, Object> body)
      throws Exception {
    return HTTP.send(request(key, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(TestPouch.CreatedTestKey key, Map<String, Object> body)
      throws Exception {
    return HttpRequest.newBuilder(URI.create(pouch.baseUrl() + "/v1/messages"))
        .header("x-api-key", key.secret())
        .header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofByteArray(pouch.json().writeValueAsBytes(body)))
        .build();
  }

  private List<JsonNode> rows(TestPouch.CreatedTestKey key) {
    List<JsonNode> rows = new ArrayList<>();
    pouch
        .admin("GET", "/api/requests?limit=1000&key_id=" + key.id(), null)
        .body()
        .forEach(rows::add);
    return rows;
  }

  private JsonNode onlyRow(TestPouch.CreatedTestKey key) {
    List<JsonNode> rows = rows(key);
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private long spent(TestPouch.CreatedTestKey key) {
    return pouch.budget(key.id()).get("spent_micros").asLong();
  }

  private long reserved(TestPouch.CreatedTestKey key) {
    return pouch.budget(key.id()).get("reserved_micros").asLong();
  }

  @Test
  void aHundredConcurrentRequestsOnASmallBudgetAreChargedExactlyWhatWasServed() throws Exception {
    long limit = 20_000;
    TestPouch.CreatedTestKey key = key(limit);
    String[] ttls = {null, "5m", "1h"};
    List<Future<HttpResponse<String>>> replies = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(100);
    try (BudgetWatch watch = new BudgetWatch(pouch, key)) {
      for (int i = 0; i < 100; i++) {
        Map<String, Object> body = body(i % 2 == 0, 20 + i % 30, ttls[i % 3]);
        replies.add(pool.submit(() -> post(key, body)));
      }
      int served = 0;
      for (Future<HttpResponse<String>> reply : replies) {
        HttpResponse<String> response = reply.get();
        assertThat(response.statusCode()).as(response.body()).isIn(200, 402);
        if (response.statusCode() == 402) {
          assertThat(response.body()).contains("\"billing_error\"");
        } else {
          served++;
        }
      }
      assertThat(served).isPositive();
      assertThat(watch.mostInUse()).isLessThanOrEqualTo(limit);
    } finally {
      pool.shutdownNow();
    }

    // every request the upstream served is charged its tally at the table's price, exactly
    Map<String, FakeAnthropicUpstream.Served> tally = upstream.servedByRequest();
    assertThat(tally.values())
        .anyMatch(s -> s.cacheWrite1hTokens() > 0 || s.cacheWrite5mTokens() > 0)
        .anyMatch(s -> s.cacheReadTokens() > 0);
    for (JsonNode row : rows(key)) {
      FakeAnthropicUpstream.Served served = tally.get(row.get("id").asText());
      long expected = served == null ? 0 : AnthropicSdkClientTest.expectedMicros(served);
      assertThat(row.get("cost_micros").asLong()).as(row.toString()).isEqualTo(expected);
    }
    assertThat(spent(key))
        .isEqualTo(AnthropicSdkClientTest.expectedTotal(upstream))
        .isLessThanOrEqualTo(limit);
    assertThat(reserved(key)).isZero();
  }

  @Test
  void aPromptThatMayWriteTheCacheIsReservedAtTheOneHourWritePrice() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    post(key, body(false, 50, null));
    post(key, body(false, 50, "5m"));

    List<JsonNode> rows = rows(key); // newest first
    long output = (50 + 16) * 5; // max_tokens + the margin at $5 per million
    long promptWithout = rows.get(1).get("reserved_micros").asLong() - output;
    long promptWith = rows.get(0).get("reserved_micros").asLong() - output;
    // Haiku 4.5: $1 input, $2 for a 1-hour write, the dearest rate a cache_control can incur
    assertThat(promptWith).isGreaterThanOrEqualTo(2 * promptWithout);
  }

  @Test
  void aStreamPastTheCapIsCutEndsCleanlyAndIsChargedItsReservation() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.ignoreMaxTokens(true);

    HttpResponse<String> response = post(key, body(true, 5, null));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"stop_reason\":\"max_tokens\"")
        .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("capped");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
    assertThat(row.get("cost_micros").asLong())
        .isGreaterThanOrEqualTo(AnthropicSdkClientTest.expectedMicros(served));
    assertThat(reserved(key)).isZero();
  }

  @Test
  void aPlainAnswerFromAnUpstreamThatIgnoresMaxTokensIsCutToo() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.ignoreMaxTokens(true);

    HttpResponse<String> response = post(key, body(false, 5, null));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode message = pouch.json().readTree(response.body());
    assertThat(message.path("stop_reason").asText()).isEqualTo("max_tokens");
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("capped");
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
    assertThat(row.get("cost_micros").asLong())
        .isGreaterThanOrEqualTo(AnthropicSdkClientTest.expectedMicros(served));
  }

  @Test
  void aBrokenStreamEndsWithAnAnthropicErrorEventAndIsChargedItsFullReservation() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.breakAfterDeltas(3);

    HttpResponse<String> response = post(key, body(true, 50, null));

    assertThat(response.body()).contains("event: error\ndata: {\"type\":\"error\",\"error\":{");
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
    assertThat(row.get("cost_micros").asLong())
        .isEqualTo(row.get("reserved_micros").asLong())
        .isPositive();
    assertThat(reserved(key)).isZero();
  }

  @Test
  void implausibleUsageIsChargedTheFullReservationAndUnderstatedUsageWhatStreamed()
      throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.skewUsage(FakeAnthropicUpstream.UsageSkew.OVERSTATE);
    post(key, body(true, 50, null));
    JsonNode overstated = onlyRow(key);
    assertThat(overstated.get("settlement").asText()).isEqualTo("implausible_usage");
    assertThat(overstated.get("cost_micros").asLong())
        .isEqualTo(overstated.get("reserved_micros").asLong());

    upstream.skewUsage(FakeAnthropicUpstream.UsageSkew.UNDERSTATE);
    post(key, body(true, 50, null));
    JsonNode understated = rows(key).get(0);
    FakeAnthropicUpstream.Served served =
        upstream.servedByRequest().get(understated.get("id").asText());
    // output reported as 0: charged the deltas that streamed, never less
    assertThat(understated.get("cost_micros").asLong())
        .isEqualTo(AnthropicSdkClientTest.expectedMicros(served));
  }

  @Test
  void anUpstream5xxIsChargedAndA4xxRefunded() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.failWithStatus(529);
    HttpResponse<String> overloaded = post(key, body(false, 50, null));
    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertThat(overloaded.body()).contains("overloaded_error");
    JsonNode row = onlyRow(key);
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());

    upstream.failWithStatus(400);
    long before = spent(key);
    assertThat(post(key, body(false, 50, null)).statusCode()).isEqualTo(400);
    assertThat(spent(key)).isEqualTo(before);
  }

  @Test
  void aClientThatLeavesMidStreamSettlesAndHoldsNothing() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.ignoreMaxTokens(true).deltaDelayMs(20);

    HttpResponse<InputStream> response =
        HTTP.send(request(key, body(true, 4_000, null)), HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = response.body();
    byte[] first = in.readNBytes(600);
    assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("event: message_start");
    in.close();

    long deadline = System.nanoTime() + 10_000_000_000L;
    while (rows(key).isEmpty() || rows(key).get(0).get("settlement").isNull()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(50);
    }
    JsonNode row = onlyRow(key);
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
    assertThat(row.get("cost_micros").asLong())
        .isGreaterThanOrEqualTo(AnthropicSdkClientTest.expectedMicros(served))
        .isEqualTo(row.get("reserved_micros").asLong()); // no final usage: the full reservation
    assertThat(reserved(key)).isZero();
  }
}
