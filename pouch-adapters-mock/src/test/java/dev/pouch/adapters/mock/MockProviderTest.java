package dev.pouch.adapters.mock;

import static dev.pouch.adapters.mock.Requests.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockProviderTest {
  static final String TEXT = "one two three four five six seven eight";
  static final UpstreamCall UNCAPPED = new UpstreamCall("req-1", 1_000_000);

  /**
   * Prompt tokens of {@link Requests#chat} by the mock's rule ({@link MockTokens}), written out:
   * reply priming 3 + (message framing 4 + "user" 1 + "Say hello please" 3).
   */
  static final long CHAT_PROMPT_TOKENS = 3 + (4 + 1 + 3);

  /**
   * Words of {@link MockBehavior#DEFAULT_RESPONSE_TEXT}, counted by hand: "Hello from the Pouch
   * mock provider. This answer was generated without calling any upstream."
   */
  static final long DEFAULT_ANSWER_TOKENS = 14;

  static Provider provider(Map<String, ?> raw) {
    MockProviderFactory factory = new MockProviderFactory();
    PluginConfig config = factory.info().schema().validate(raw);
    return factory.create(config);
  }

  static ProviderResponse.Complete complete(Provider provider, ChatRequest request, long cap) {
    return (ProviderResponse.Complete) provider.execute(request, new UpstreamCall("req-1", cap));
  }

  @Test
  void answers_with_the_whole_text_as_an_openai_chat_completion() {
    Provider provider = provider(Map.of());
    ChatRequest request = chat();

    ProviderResponse.Complete response = complete(provider, request, UNCAPPED.outputCap());

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers()).containsEntry("Content-Type", "application/json");
    JsonNode json = Sse.json(response.body());
    assertThat(json.path("id").asText()).startsWith("chatcmpl-mock-");
    assertThat(json.path("object").asText()).isEqualTo("chat.completion");
    assertThat(json.path("created").asLong()).isPositive();
    assertThat(json.path("model").asText()).isEqualTo("mock-model");
    assertThat(json.path("system_fingerprint").asText()).isEqualTo("fp_mock");
    assertThat(json.path("choices")).hasSize(1);
    JsonNode choice = json.path("choices").get(0);
    assertThat(choice.path("index").asInt()).isZero();
    assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
    assertThat(choice.path("message").path("content").asText())
        .isEqualTo(MockBehavior.DEFAULT_RESPONSE_TEXT);
    assertThat(choice.path("message").get("refusal").isNull()).isTrue();
    assertThat(choice.path("message").path("annotations").isArray()).isTrue();
    assertThat(choice.get("logprobs").isNull()).isTrue();
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");

    long prompt = CHAT_PROMPT_TOKENS;
    long completion = DEFAULT_ANSWER_TOKENS;
    assertThat(provider.estimatePromptTokens(request)).isEqualTo(prompt);
    assertThat(response.usage()).isEqualTo(Usage.reported(prompt, completion));
    JsonNode usage = json.path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(prompt);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(completion);
    assertThat(usage.path("total_tokens").asLong()).isEqualTo(prompt + completion);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").isInt()).isTrue();
    assertThat(usage.path("completion_tokens_details").path("reasoning_tokens").isInt()).isTrue();
  }

  @Test
  void max_tokens_cuts_the_answer_with_finish_reason_length() {
    Provider provider = provider(Map.of("response_text", TEXT));

    ProviderResponse.Complete cut = complete(provider, chat("max_tokens", 3), 3);
    ProviderResponse.Complete whole = complete(provider, chat("max_completion_tokens", 8), 8);

    JsonNode choice = Sse.json(cut.body()).path("choices").get(0);
    assertThat(choice.path("message").path("content").asText()).isEqualTo("one two three");
    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    assertThat(cut.usage().completionTokens()).isEqualTo(3);
    JsonNode wholeChoice = Sse.json(whole.body()).path("choices").get(0);
    assertThat(wholeChoice.path("message").path("content").asText()).isEqualTo(TEXT);
    assertThat(wholeChoice.path("finish_reason").asText()).isEqualTo("stop");
    assertThat(whole.usage().completionTokens()).isEqualTo(8);
  }

  @Test
  void n_choices_are_identical_and_all_billed() {
    Provider provider = provider(Map.of("response_text", TEXT));
    ChatRequest request = chat("n", 2, "max_tokens", 5);

    ProviderResponse.Complete response = complete(provider, request, 10);

    JsonNode choices = Sse.json(response.body()).path("choices");
    assertThat(choices).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(choices.get(i).path("index").asInt()).isEqualTo(i);
      assertThat(choices.get(i).path("message").path("content").asText())
          .isEqualTo("one two three four five");
    }
    assertThat(response.usage()).isEqualTo(Usage.reported(CHAT_PROMPT_TOKENS, 2 * 5));
  }

  @Test
  void ignoring_max_tokens_never_bills_more_than_the_output_cap_without_streaming() {
    Provider provider = provider(Map.of("response_text", TEXT, "ignore_max_tokens", true));

    ProviderResponse.Complete one = complete(provider, chat("max_tokens", 5), 5);
    ProviderResponse.Complete two = complete(provider, chat("max_tokens", 5, "n", 2), 7);

    JsonNode choice = Sse.json(one.body()).path("choices").get(0);
    assertThat(choice.path("message").path("content").asText())
        .isEqualTo("one two three four five");
    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    assertThat(one.usage().completionTokens()).isEqualTo(5);
    assertThat(Sse.json(one.body()).path("usage").path("completion_tokens").asLong()).isEqualTo(5);
    assertThat(Sse.json(two.body()).path("choices").get(1).path("message").path("content").asText())
        .isEqualTo("one two three");
    assertThat(two.usage().completionTokens()).isEqualTo(6);
  }

  @Test
  void ignoring_max_tokens_answers_at_least_twice_as_long_as_asked_when_uncapped() {
    MockBehavior behavior = new MockBehavior(TEXT, 0, 0, true, 0);

    MockCompletion answer = MockCompletion.of(chat("max_tokens", 5), behavior);
    MockCompletion noLimit = MockCompletion.of(chat(), behavior);

    assertThat(answer.tokensPerChoice()).isEqualTo(24).isGreaterThanOrEqualTo(2 * 5 + 10);
    assertThat(answer.content()).isEqualTo(TEXT + " " + TEXT + " " + TEXT);
    assertThat(noLimit.content()).isEqualTo(TEXT);
  }

  @Test
  void the_latency_delays_a_plain_answer() {
    Provider provider = provider(Map.of("latency_ms", 150));
    long start = System.nanoTime();

    complete(provider, chat(), 100);

    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(150);
  }
}
