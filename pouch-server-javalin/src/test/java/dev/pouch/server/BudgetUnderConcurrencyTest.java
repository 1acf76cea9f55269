package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many concurrent requests against a budget that covers only some of them, over real HTTP and a
 * real SQLite file: the budget is never overshot, and what is charged is exactly what was served.
 */
class BudgetUnderConcurrencyTest extends ServerTest {
  private static final long INPUT_PER_MTOK = 3_000_000; // $3 per million prompt tokens
  private static final long OUTPUT_PER_MTOK = 15_000_000; // $15 per million output tokens

  /** The mock's answer: 120 words, longer than any max_tokens below, so each answer uses it all. */
  private static final String LONG_ANSWER = "budgets hold under load ".repeat(30).strip();

  /**
   * Reservations close to the cost (each answer fills its max_tokens: only the 16-token margin is
   * reserved beyond it), so the ledger's guard alone decides who gets the last micro-dollar:
   * without it, the budget is overbooked while the load runs and overspent after it.
   */
  @Test
  void twoHundredConcurrentRequestsNeverOvershootTheBudgetAndAreChargedToTheMicroDollar()
      throws Exception {
    long limit = 20_000; // $0.02: covers a fraction of 200 requests
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("crowd")
                .prices("3", "15")
                .providerSetting("stream_chunk_delay_ms", 1)
                .providerSetting("response_text", LONG_ANSWER)
                .budgetMicros(limit));

    int requests = 200;
    ExecutorService clients = Executors.newFixedThreadPool(50);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<TestPouch.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      boolean stream = i % 2 == 0;
      Map<String, Object> body =
          i % 10 == 0
              ? request(stream, null) // no max_tokens: Pouch clamps it to what the budget allows
              : request(stream, 20 + i % 40);
      replies.add(
          clients.submit(
              () -> {
                gate.await();
                return pouch.chat(key, body);
              }));
    }
    BudgetWatch watch = new BudgetWatch(pouch, key);
    gate.countDown();

    long expectedSpend = 0;
    int served = 0;
    int refused = 0;
    for (Future<TestPouch.Reply> future : replies) {
      TestPouch.Reply reply = future.get();
      if (reply.status() == 200) {
        served++;
        JsonNode usage = usageOf(reply);
        expectedSpend +=
            OpenAiSdkClientTest.costMicros(
                usage.get("prompt_tokens").asLong(),
                INPUT_PER_MTOK,
                usage.get("completion_tokens").asLong(),
                OUTPUT_PER_MTOK);
      } else {
        refused++;
        assertThat(reply.status()).isEqualTo(402);
        assertThat(reply.errorCode()).isEqualTo("budget_exceeded");
        assertThat(reply.errorType()).isEqualTo("insufficient_quota");
      }
    }
    clients.shutdown();
    watch.close();

    assertThat(watch.reads()).as("the budget was read while the load ran").isPositive();
    assertThat(watch.mostInUse()).as("spent + reserved, at every read").isLessThanOrEqualTo(limit);
    JsonNode budget = pouch.budget(key.id());
    assertThat(served).isPositive();
    assertThat(refused).isPositive();
    assertThat(budget.get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(budget.get("spent_micros").asLong()).isEqualTo(expectedSpend);
    JsonNode log = pouch.admin("GET", "/api/requests?limit=1000&key_id=" + key.id(), null).body();
    assertThat(log).as("one row per request, refused ones too").hasSize(served + refused);
    long logged = 0;
    int settled = 0;
    for (JsonNode row : log) {
      if (row.get("settlement").isNull()) {
        assertThat(row.get("error_code").asText()).isEqualTo("budget_exceeded");
        assertThat(row.get("cost_micros").asLong()).isZero();
      } else {
        settled++;
      }
      assertThat(row.get("overrun_micros").asLong()).isZero();
      logged += row.get("cost_micros").asLong();
    }
    assertThat(logged).isEqualTo(expectedSpend);
    assertThat(settled).isEqualTo(served);
  }

  private static Map<String, Object> request(boolean stream, Integer maxTokens) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("model", "mock-model");
    body.put(
        "messages", List.of(Map.of("role", "user", "content", "Tell me about budgets please")));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  /** The usage of a plain answer, or of a stream's usage chunk. */
  static JsonNode usageOf(TestPouch.Reply reply) throws Exception {
    if (reply.body() != null) {
      return reply.body().get("usage");
    }
    JsonNode usage = null;
    for (String line : reply.raw().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode event =
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring(6));
        if (event.hasNonNull("usage")) {
          usage = event.get("usage");
        }
      }
    }
    if (usage == null) {
      throw new AssertionError("stream had no usage chunk: " + reply.raw());
    }
    return usage;
  }
}
