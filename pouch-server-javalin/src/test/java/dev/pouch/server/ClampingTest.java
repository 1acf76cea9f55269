package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A request without max_tokens gets the largest one the remaining budget can pay for. */
class ClampingTest extends ServerTest {
  private static final String LONG_TEXT = "word ".repeat(400).strip();

  private static Map<String, Object> unbounded() {
    return Map.of(
        "model", "m", "messages", List.of(Map.of("role", "user", "content", "say a lot")));
  }

  @Test
  void aRequestWithoutMaxTokensIsClampedToTheBudgetAndCannotOverspend() {
    long limit = 2_000; // $0.002 at $10 per million output tokens: about 200 tokens in all
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("clamped")
                .prices("10", "10")
                .providerSetting("response_text", LONG_TEXT)
                .budgetMicros(limit));

    TestPouch.Reply first = pouch.chat(key, unbounded());

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
    long output = first.body().at("/usage/completion_tokens").asLong();
    assertThat(output).isLessThan(400).isPositive();
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    assertThat(budget.get("reserved_micros").asLong()).isZero();

    // keep asking until the budget is gone: never more than the limit, always a clear refusal
    for (int i = 0; i < 10; i++) {
      TestPouch.Reply next = pouch.chat(key, unbounded());
      assertThat(next.status()).isIn(200, 402);
    }
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    TestPouch.Reply refused = pouch.chat(key, unbounded());
    assertThat(refused.status()).isEqualTo(402);
    assertThat(refused.errorCode()).isEqualTo("budget_exceeded");
  }

  @Test
  void aNearlyExhaustedKeyStillServesShortAnswers() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("frugal")
                .prices("10", "10")
                .providerSetting("response_text", LONG_TEXT)
                .budgetMicros(600));

    TestPouch.Reply reply = pouch.chat(key, unbounded());

    // $0.0006 buys ~60 tokens: a worst case of 4096 output tokens would have been refused
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    assertThat(reply.body().at("/usage/completion_tokens").asLong()).isBetween(16L, 60L);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(600);
  }

  @Test
  void anExplicitMaxTokensThatDoesNotFitIsRefusedWithoutCallingUpstream() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("strict").prices("10", "10").budgetMicros(100));

    TestPouch.Reply reply =
        pouch.chat(
            key,
            Map.of(
                "model",
                "m",
                "max_tokens",
                1000,
                "messages",
                List.of(Map.of("role", "user", "content", "hi"))));

    assertThat(reply.status()).isEqualTo(402);
    assertThat(reply.errorCode()).isEqualTo("budget_exceeded");
    JsonNode rows = pouch.admin("GET", "/api/requests", null).body();
    assertThat(rows).as("the refusal's own row, at no cost").hasSize(1);
    assertThat(rows.get(0).get("error_code").asText()).isEqualTo("budget_exceeded");
    assertThat(rows.get(0).get("reserved_micros").asLong()).isZero();
    assertThat(rows.get(0).get("cost_micros").asLong()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }
}
