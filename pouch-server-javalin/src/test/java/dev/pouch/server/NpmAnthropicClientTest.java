package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official npm {@code @anthropic-ai/sdk} client (pinned in {@code src/test/node}) against
 * Pouch's {@code POST /v1/messages}, with the fake Anthropic upstream behind an {@code anthropic}
 * key: plain and streamed answers charged the fake's tally at the table's price, and a budget
 * refusal the client sends once (its default two retries do not fire on a 402).
 */
class NpmAnthropicClientTest extends ServerTest {
  private FakeAnthropicUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeAnthropicUpstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  @Test
  void theNpmClientGetsPlainAndStreamedAnswersChargedAsTheTallyTimesThePrice() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.anthropic("npm", upstream.baseUrl()).budgetMicros(1_000_000));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            "anthropic.mjs",
            pouch.baseUrl(),
            NpmOpenAiClient.Call.of("messages.create", key),
            NpmOpenAiClient.Call.of("messages.stream", key));

    JsonNode plain = run.get(0).value();
    assertThat(plain.path("type").asText()).isEqualTo("message");
    assertThat(plain.path("text").asText()).isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(plain.path("stop_reason").asText()).isEqualTo("end_turn");
    JsonNode streamed = run.get(1).value();
    assertThat(streamed.path("text").asText()).isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(streamed.path("events").path("content_block_delta").asInt()).isEqualTo(14);
    assertThat(streamed.path("events").path("message_stop").asInt()).isEqualTo(1);
    assertThat(streamed.path("output_tokens").asLong()).isEqualTo(14);

    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isEqualTo(AnthropicSdkClientTest.expectedTotal(upstream))
        .isPositive();
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(upstream.servedByRequest()).hasSize(2);
  }

  @Test
  void aBudgetRefusalIsSentOnceByTheNpmClient() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.anthropic("npm-broke", upstream.baseUrl()).budgetMicros(1));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            "anthropic.mjs",
            pouch.baseUrl(),
            NpmOpenAiClient.Call.of("messages.create", key),
            NpmOpenAiClient.Call.of("messages.stream", key).clientOptions(Map.of()));

    for (NpmOpenAiClient.Result result : run.results()) {
      JsonNode error = result.error();
      assertThat(error.path("status").asInt()).isEqualTo(402);
      assertThat(error.path("type").asText()).isEqualTo("billing_error");
      assertThat(result.http()).hasSize(1); // no retries
      assertThat(result.http().get(0).path("should_retry").asText()).isEqualTo("false");
    }
    assertThat(upstream.requestsReceived()).isZero();
  }
}
