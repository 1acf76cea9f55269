package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * FINANCIAL_SAFETY G1, G2, G5 and G11 on {@code POST /v1/chat/completions} translated to Claude (an
 * {@code anthropic} key), against the fake Anthropic upstream over real HTTP: concurrent plain and
 * streamed requests on one small budget, a stream cut at the cap, a stream that breaks. The
 * metering is the Messages one; only the framing is OpenAI's.
 */
class ChatToClaudeFinancialSafetyTest extends ServerTest {
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
        KeyBody.anthropic("chat-safety", upstream.baseUrl()).budgetMicros(budgetMicros));
  }

  private static Map<String, Object> body(boolean stream, Long maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", AnthropicSdkClientTest.MODEL);
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    body.put(
        "messages",
        List.of(
            Map.of("role", "system", "content", "Tell me something about budgets, please."),
            Map.of("role", "user", "content", "Hello")));
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  private HttpResponse<String> post(TestPouch.CreatedTestKey key, Map<String, Object> body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(pouch.openAiBaseUrl() + "/chat/completions"))
            .header("Authorization", key.bearer())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(pouch.json().writeValueAsBytes(body)))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
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

  @Test
  void fiftyConcurrentChatRequestsOnASmallBudgetAreChargedExactlyWhatWasServed() throws Exception {
    long limit = 10_000;
    TestPouch.CreatedTestKey key = key(limit);
    List<Future<HttpResponse<String>>> replies = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try (BudgetWatch watch = new BudgetWatch(pouch, key)) {
      for (int i = 0; i < 50; i++) {
        // plain and streamed; with a limit, and without one (Pouch plans the cap)
        Map<String, Object> body = body(i % 2 == 0, i % 5 == 0 ? null : 20L + i % 30);
        replies.add(pool.submit(() -> post(key, body)));
      }
      int served = 0;
      for (Future<HttpResponse<String>> reply : replies) {
        HttpResponse<String> response = reply.get();
        assertThat(response.statusCode()).as(response.body()).isIn(200, 402);
        if (response.statusCode() == 200) {
          served++;
          if (response.body().startsWith("data: ")) {
            assertThat(response.body())
                .contains("\"chat.completion.chunk\"")
                .endsWith("data: [DONE]\n\n");
          } else {
            assertThat(response.body()).contains("\"chat.completion\"");
          }
        }
      }
      assertThat(served).isPositive();
      assertThat(watch.mostInUse()).isLessThanOrEqualTo(limit);
    } finally {
      pool.shutdownNow();
    }

    Map<String, FakeAnthropicUpstream.Served> tally = upstream.servedByRequest();
    assertThat(tally).isNotEmpty();
    for (JsonNode row : rows(key)) {
      FakeAnthropicUpstream.Served served = tally.get(row.get("id").asText());
      long expected = served == null ? 0 : AnthropicSdkClientTest.expectedMicros(served);
      assertThat(row.get("cost_micros").asLong()).as(row.toString()).isEqualTo(expected);
    }
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isEqualTo(AnthropicSdkClientTest.expectedTotal(upstream))
        .isLessThanOrEqualTo(limit);
    assertThat(budget.get("reserved_micros").asLong()).isZero();
  }

  @Test
  void aChatStreamPastTheCapIsCutWithALengthFinishAndChargedItsReservation() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.ignoreMaxTokens(true);

    HttpResponse<String> response = post(key, body(true, 5L));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"finish_reason\":\"length\"")
        .endsWith("data: [DONE]\n\n");
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("capped");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
    assertThat(row.get("cost_micros").asLong())
        .isGreaterThanOrEqualTo(AnthropicSdkClientTest.expectedMicros(served));
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void aBrokenChatStreamEndsWithOpenAisErrorEventAndIsChargedItsFullReservation() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.breakAfterDeltas(3);

    HttpResponse<String> response = post(key, body(true, 50L));

    assertThat(response.body())
        .contains("data: {\"error\":{\"message\":")
        .endsWith("data: [DONE]\n\n")
        .doesNotContain("event: error");
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
    assertThat(row.get("cost_micros").asLong())
        .isEqualTo(row.get("reserved_micros").asLong())
        .isPositive();
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void anUpstream5xxIsChargedAndA4xxRefundedBothInOpenAisShape() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.failWithStatus(529);
    HttpResponse<String> overloaded = post(key, body(false, 50L));
    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertThat(pouch.json().readTree(overloaded.body()).path("error").path("type").asText())
        .isEqualTo("overloaded_error");
    JsonNode row = onlyRow(key);
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());

    upstream.failWithStatus(400);
    long before = pouch.budget(key.id()).get("spent_micros").asLong();
    HttpResponse<String> refused = post(key, body(false, 50L));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(pouch.json().readTree(refused.body()).path("error").has("message")).isTrue();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(before);
  }
}
