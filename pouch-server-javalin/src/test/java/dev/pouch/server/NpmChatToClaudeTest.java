package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.server.NpmOpenAiClient.Call;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The npm {@code openai} client (v6) reaching Claude through Pouch's chat-completions route, with a
 * key on the {@code anthropic} provider and the fake Anthropic upstream behind it: plain and
 * streamed answers charged as the fake's tally × the table's price, and a budget refusal sent once.
 */
class NpmChatToClaudeTest extends ServerTest {
  private static final Map<String, Object> CLAUDE = Map.of("model", AnthropicSdkClientTest.MODEL);

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
  void plainAndStreamedAnswersFromClaudeAreChargedAsTheTallyTimesThePrice() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.anthropic("npm-claude", upstream.baseUrl()).budgetMicros(1_000_000));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("chat.create", key).args(CLAUDE),
            Call.of("chat.stream", key)
                .args(
                    Map.of(
                        "model",
                        AnthropicSdkClientTest.MODEL,
                        "stream_options",
                        Map.of("include_usage", true))));

    JsonNode plain = run.get(0).value();
    assertThat(plain.at("/choices/0/content").asText()).isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(plain.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(run.get(0).http()).as("one HTTP request").hasSize(1);
    JsonNode stream = run.get(1).value();
    assertThat(stream.get("text").asText()).isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(stream.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(stream.at("/usage/completion_tokens").asLong())
        .isEqualTo(plain.at("/usage/completion_tokens").asLong());

    assertThat(upstream.servedByRequest()).hasSize(2);
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isPositive()
        .isEqualTo(AnthropicSdkClientTest.expectedTotal(upstream));
    assertThat(budget.get("reserved_micros").asLong()).isZero();
  }

  @Test
  void aBudgetRefusalReachesTheClientOnceWithoutRetries() {
    TestPouch.CreatedTestKey poor =
        pouch.createKey(KeyBody.anthropic("npm-poor", upstream.baseUrl()).budgetMicros(1));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(pouch.openAiBaseUrl(), Call.of("chat.create", poor).args(CLAUDE));

    JsonNode error = run.get(0).error();
    assertThat(error.get("status").asInt()).isEqualTo(402);
    assertThat(error.get("message").asText()).contains("budget");
    assertThat(run.get(0).http()).as("exactly one HTTP request, no retry").hasSize(1);
    assertThat(upstream.servedByRequest()).isEmpty();
  }
}
