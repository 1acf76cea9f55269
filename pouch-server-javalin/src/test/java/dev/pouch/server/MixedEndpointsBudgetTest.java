package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FINANCIAL_SAFETY G1 and G6 across endpoints: 100 concurrent requests of every API Pouch serves,
 * plain and streamed, on one small budget, against the fake OpenAI upstream over real HTTP. The
 * budget is never overbooked, and each request-log row charges exactly what the upstream served
 * that request at its model's price.
 */
class MixedEndpointsBudgetTest extends ServerTest {
  private static final String TEXT = "every endpoint shares one budget and one ledger ".repeat(12);

  /** Table prices in micro-dollars per million tokens: input, output. */
  private static final Map<String, long[]> PRICES =
      Map.of(
          "gpt-4o-mini", new long[] {150_000, 600_000},
          "gpt-3.5-turbo-instruct", new long[] {1_500_000, 2_000_000},
          "text-embedding-3-small", new long[] {20_000, 0});

  private FakeOpenAiUpstream upstream;

  @AfterEach
  void stopUpstream() {
    if (upstream != null) {
      upstream.close();
    }
  }

  /** One kind of request: its route and body. */
  private record Kind(String path, Map<String, Object> body) {}

  private static List<Kind> kinds() {
    List<Kind> kinds = new ArrayList<>();
    for (boolean stream : new boolean[] {false, true}) {
      Map<String, Object> chat = new LinkedHashMap<>();
      chat.put("model", "gpt-4o-mini");
      chat.put("messages", List.of(Map.of("role", "user", "content", "Tell me about budgets.")));
      chat.put("max_tokens", 60);
      if (stream) {
        chat.put("stream", true);
        chat.put("stream_options", Map.of("include_usage", true));
      }
      kinds.add(new Kind("/v1/chat/completions", chat));
      Map<String, Object> completion = new LinkedHashMap<>();
      completion.put("model", "gpt-3.5-turbo-instruct");
      completion.put("prompt", List.of("Budgets are", "A ledger is"));
      completion.put("max_tokens", 20);
      if (stream) {
        completion.put("stream", true);
        completion.put("stream_options", Map.of("include_usage", true));
      }
      kinds.add(new Kind("/v1/completions", completion));
      Map<String, Object> responses = new LinkedHashMap<>();
      responses.put("model", "gpt-4o-mini");
      responses.put("input", "Tell me about budgets.");
      responses.put("max_output_tokens", 60);
      responses.put("stream", stream);
      kinds.add(new Kind("/v1/responses", responses));
    }
    kinds.add(
        new Kind(
            "/v1/embeddings",
            Map.of("model", "text-embedding-3-small", "input", List.of("one text", "two texts"))));
    return kinds;
  }

  @Test
  void aHundredConcurrentMixedRequestsStayWithinTheBudgetAndAreChargedWhatWasServed()
      throws Exception {
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    long limit = 1_200;
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.openAi("mixed", upstream.baseUrl()).budgetMicros(limit));
    List<Kind> kinds = kinds();

    ExecutorService clients = Executors.newFixedThreadPool(25);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<TestPouch.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Kind kind = kinds.get(i % kinds.size());
      replies.add(
          clients.submit(
              () -> {
                gate.await();
                return pouch.send("POST", kind.path(), key.bearer(), kind.body());
              }));
    }
    BudgetWatch watch = new BudgetWatch(pouch, key);
    gate.countDown();
    int served = 0;
    int refused = 0;
    for (Future<TestPouch.Reply> future : replies) {
      TestPouch.Reply reply = future.get();
      if (reply.status() == 200) {
        served++;
      } else {
        refused++;
        assertThat(reply.status()).as(reply.raw()).isEqualTo(402);
        assertThat(reply.errorCode()).isEqualTo("budget_exceeded");
      }
    }
    clients.shutdown();
    watch.close();

    assertThat(served).isPositive();
    assertThat(refused).as("the budget covers a part of the load").isPositive();
    assertThat(watch.mostInUse()).as("spent + reserved, at every read").isLessThanOrEqualTo(limit);
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> tally = upstream.servedByRequest();
    assertThat(tally).hasSize(served);
    long expected = 0;
    for (Map.Entry<String, FakeOpenAiUpstream.Served> entry : tally.entrySet()) {
      JsonNode row = rows.get(entry.getKey());
      assertThat(row).as("a row for %s", entry.getKey()).isNotNull();
      FakeOpenAiUpstream.Served what = entry.getValue();
      assertThat(row.get("prompt_tokens").asLong()).isEqualTo(what.promptTokens());
      assertThat(row.get("completion_tokens").asLong()).isEqualTo(what.completionTokens());
      long[] price = PRICES.get(row.get("model").asText());
      long cost =
          OpenAiSdkClientTest.costMicros(
              what.promptTokens(), price[0], what.completionTokens(), price[1]);
      assertThat(row.get("cost_micros").asLong()).as("row %s", row).isEqualTo(cost);
      expected += cost;
    }
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isEqualTo(expected).isLessThanOrEqualTo(limit);
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(rows).as("one row per request, refused ones too").hasSize(100);
  }
}
