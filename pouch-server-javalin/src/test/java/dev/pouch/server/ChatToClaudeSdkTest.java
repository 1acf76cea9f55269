package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK reaching Claude through Pouch's chat-completions route, with a key
 * on the {@code anthropic} provider and the fake Anthropic upstream behind it, over real HTTP:
 * plain, streamed and a tool call round trip, charged to the micro-dollar as the fake's tally × the
 * table's price; what cannot be translated is a 400 naming the field, on every key.
 */
class ChatToClaudeSdkTest extends ServerTest {
  private FakeAnthropicUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeAnthropicUpstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private OpenAIClient client(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private TestPouch.CreatedTestKey key(Long budgetMicros) {
    KeyBody body = KeyBody.anthropic("claude-chat", upstream.baseUrl());
    return pouch.createKey(budgetMicros == null ? body : body.budgetMicros(budgetMicros));
  }

  private static ChatCompletionCreateParams.Builder question() {
    return ChatCompletionCreateParams.builder()
        .model(AnthropicSdkClientTest.MODEL)
        .addSystemMessage("Be brief.")
        .addUserMessage("Hello!");
  }

  private static ChatCompletionFunctionTool weatherTool() {
    return ChatCompletionFunctionTool.builder()
        .function(
            FunctionDefinition.builder()
                .name("get_weather")
                .description("The weather in a city")
                .parameters(
                    FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty(
                            "properties",
                            JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .build())
                .build())
        .build();
  }

  @Test
  void theOpenAiSdkGetsPlainStreamedAndToolAnswersFromClaudeChargedAsTheTallyTimesThePrice() {
    TestPouch.CreatedTestKey key = key(1_000_000L);
    OpenAIClient client = client(key);

    ChatCompletion plain = client.chat().completions().create(question().build());

    StringBuilder streamed = new StringBuilder();
    List<Long> usage = new ArrayList<>();
    List<String> finishes = new ArrayList<>();
    ChatCompletionCreateParams streaming =
        question()
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(streaming)) {
      stream.stream()
          .forEach(
              chunk -> {
                chunk
                    .choices()
                    .forEach(
                        choice -> {
                          choice.delta().content().ifPresent(streamed::append);
                          choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
                        });
                chunk.usage().ifPresent(u -> usage.add(u.completionTokens()));
              });
    }

    ChatCompletion call =
        client.chat().completions().create(question().addTool(weatherTool()).build());
    ChatCompletionMessage asked = call.choices().get(0).message();
    ChatCompletionMessageFunctionToolCall toolCall =
        asked.toolCalls().orElseThrow().get(0).asFunction();
    ChatCompletion answer =
        client
            .chat()
            .completions()
            .create(
                question()
                    .addTool(weatherTool())
                    .addMessage(asked)
                    .addMessage(
                        ChatCompletionToolMessageParam.builder()
                            .toolCallId(toolCall.id())
                            .content("18 degrees and sunny")
                            .build())
                    .build());

    assertThat(plain.choices().get(0).message().content()).contains(FakeAnthropicUpstream.TEXT);
    assertThat(plain.choices().get(0).finishReason().asString()).isEqualTo("stop");
    assertThat(plain.usage().orElseThrow().completionTokens()).isEqualTo(14);
    assertThat(streamed.toString()).isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(finishes).containsExactly("stop");
    assertThat(usage).containsExactly(14L);
    assertThat(call.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
    assertThat(toolCall.function().name()).isEqualTo("get_weather");
    assertThat(toolCall.function().arguments()).contains("Paris");
    assertThat(answer.choices().get(0).message().content()).contains(FakeAnthropicUpstream.TEXT);
    assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("stop");

    assertThat(upstream.servedByRequest()).hasSize(4);
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isEqualTo(AnthropicSdkClientTest.expectedTotal(upstream))
        .isPositive();
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(upstream.lastHeaders())
        .containsEntry("x-api-key", "sk-ant-test-upstream-secret")
        .doesNotContainKey("authorization");
  }

  @Test
  void whatCannotBeTranslatedIsA400NamingTheFieldOnKeysWithAndWithoutABudget() {
    for (TestPouch.CreatedTestKey key : List.of(key(1_000_000L), key(null))) {
      BadRequestException twoAnswers =
          catchThrowableOfType(
              BadRequestException.class,
              () -> client(key).chat().completions().create(question().n(2).build()));
      BadRequestException logprobs =
          catchThrowableOfType(
              BadRequestException.class,
              () -> client(key).chat().completions().create(question().logprobs(true).build()));

      assertThat(twoAnswers.statusCode()).isEqualTo(400);
      assertThat(twoAnswers.param()).contains("n");
      assertThat(twoAnswers.getMessage()).contains("cannot be translated");
      assertThat(logprobs.param()).contains("logprobs");
      assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
      assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
    }
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void anImageByUrlIsRefusedOnABudgetAndSentAsAUrlImageWithout() {
    ChatCompletionCreateParams withUrlImage =
        ChatCompletionCreateParams.builder()
            .model(AnthropicSdkClientTest.MODEL)
            .addUserMessageOfArrayOfContentParts(
                List.of(
                    ChatCompletionContentPart.ofText(
                        ChatCompletionContentPartText.builder().text("What is it?").build()),
                    ChatCompletionContentPart.ofImageUrl(
                        ChatCompletionContentPartImage.builder()
                            .imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder()
                                    .url("https://example.com/cat.png")
                                    .build())
                            .build())))
            .build();

    BadRequestException refused =
        catchThrowableOfType(
            BadRequestException.class,
            () -> client(key(1_000_000L)).chat().completions().create(withUrlImage));
    assertThat(refused.param()).contains("messages[0].content[1]");
    assertThat(upstream.requestsReceived()).isZero();

    ChatCompletion unlimited = client(key(null)).chat().completions().create(withUrlImage);
    assertThat(unlimited.choices().get(0).message().content()).contains(FakeAnthropicUpstream.TEXT);
    assertThat(upstream.requestsReceived()).isEqualTo(1);
  }
}
