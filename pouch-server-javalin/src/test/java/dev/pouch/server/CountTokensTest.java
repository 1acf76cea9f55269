package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's free token counter ({@code POST /v1/messages/count_tokens}, which Claude Code calls)
 * through Pouch with the official anthropic-java SDK: passed to the key's upstream, its answer
 * returned as it is, nothing reserved or charged.
 */
class CountTokensTest extends ServerTest {
  private FakeAnthropicUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeAnthropicUpstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private AnthropicClient client(TestPouch.CreatedTestKey key) {
    return AnthropicOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.baseUrl())
        .maxRetries(0)
        .build();
  }

  private static MessageCountTokensParams count(String model) {
    return MessageCountTokensParams.builder()
        .model(model)
        .system("You are terse.")
        .addUserMessage("How many tokens is this sentence, roughly?")
        .build();
  }

  @Test
  void theUpstreamsCountComesBackAndNothingIsReservedOrCharged() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.anthropic("counter", upstream.baseUrl()).budgetMicros(1_000));

    MessageTokensCount counted =
        client(key).messages().countTokens(count(AnthropicSdkClientTest.MODEL));

    assertThat(counted.inputTokens()).isPositive();
    assertThat(upstream.lastHeaders()).containsEntry("x-api-key", "sk-ant-test-upstream-secret");
    assertThat(upstream.servedByRequest()).as("nothing generated").isEmpty();
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isZero();
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(ServedCharges.rows(pouch, key)).isEmpty();
  }

  @Test
  void aModelTheKeyMayNotUseIsRefusedInAnthropicsShapeBeforeTheUpstream() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.anthropic("narrow", upstream.baseUrl())
                .allowedModels(AnthropicSdkClientTest.MODEL));

    AnthropicServiceException refused =
        catchThrowableOfType(
            AnthropicServiceException.class,
            () -> client(key).messages().countTokens(count("claude-opus-4-1")));

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void theMockProviderCountsTooSoClaudeCodeWorksAgainstTheDefaultGateway() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("mock").budgetMicros(1_000));

    MessageTokensCount counted = client(key).messages().countTokens(count("mock-model"));

    assertThat(counted.inputTokens()).isPositive();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void aKeyWhoseProviderHasNoCounterIsToldSo() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.openAi("openai", "http://127.0.0.1:9/v1"));

    TestPouch.Reply reply =
        pouch.send(
            "POST",
            "/v1/messages/count_tokens",
            key.bearer(),
            java.util.Map.of(
                "model",
                "gpt-4o-mini",
                "messages",
                java.util.List.of(java.util.Map.of("role", "user", "content", "hi"))));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().get("type").asText()).isEqualTo("error");
    assertThat(reply.body().get("error").get("message").asText()).contains("count tokens");
  }
}
