package dev.pouch.adapters.mock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.CompletionRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MockTextCompletionTest {
  private static final MockBehavior FIVE_WORDS =
      new MockBehavior("one two three four five", 0, 0, false, 0);

  static CompletionRequest completion(Object... extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "mock-model");
    body.put("prompt", "Say hello");
    for (int i = 0; i < extra.length; i += 2) {
      body.put((String) extra[i], extra[i + 1]);
    }
    return CompletionRequest.of(body);
  }

  private static List<JsonNode> streamed(MockTextCompletion completion, boolean usage)
      throws IOException {
    List<JsonNode> chunks = new ArrayList<>();
    try (MockStream stream = completion.stream(usage)) {
      for (byte[] event = stream.next(); event != null; event = stream.next()) {
        String payload = Sse.payload(event);
        if (!payload.equals("[DONE]")) {
          chunks.add(Sse.json(payload));
        }
      }
      assertThat(stream.usage()).isEqualTo(completion.usage());
    }
    return chunks;
  }

  private static String text(List<JsonNode> chunks, int index) {
    StringBuilder text = new StringBuilder();
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("index").asInt() == index) {
          text.append(choice.path("text").asText());
        }
      }
    }
    return text.toString();
  }

  @Test
  void aPlainAnswerIsATextCompletionWithUsage() {
    MockTextCompletion completion = MockTextCompletion.of(completion("max_tokens", 3L), FIVE_WORDS);

    JsonNode answer = Sse.json(completion.toJson(true));

    assertThat(answer.path("object").asText()).isEqualTo("text_completion");
    assertThat(answer.path("id").asText()).startsWith("cmpl-");
    assertThat(answer.path("choices")).hasSize(1);
    JsonNode choice = answer.path("choices").get(0);
    assertThat(choice.path("text").asText()).isEqualTo(" one two three");
    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(2);
    assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(3);
    assertThat(answer.path("usage").path("total_tokens").asLong()).isEqualTo(5);
  }

  @Test
  void withoutMaxTokensTheAnswerStopsAtSixteenTokens() {
    MockBehavior long_ = new MockBehavior("a ".repeat(40), 0, 0, false, 0);

    MockTextCompletion completion = MockTextCompletion.of(completion(), long_);

    assertThat(completion.tokensPerAnswer()).isEqualTo(16);
    assertThat(completion.finishReason()).isEqualTo("length");
  }

  @Test
  void everyPromptGetsNAnswersAndBestOfCandidatesAreBilledUnseen() throws IOException {
    CompletionRequest request =
        completion("prompt", List.of("a b", "c"), "n", 2L, "best_of", 3L, "max_tokens", 2L);
    MockTextCompletion completion = MockTextCompletion.of(request, FIVE_WORDS);

    JsonNode answer = Sse.json(completion.toJson(true));
    List<JsonNode> chunks = streamed(completion, true);

    assertThat(answer.path("choices")).hasSize(4);
    assertThat(completion.usage()).isEqualTo(Usage.reported(3, 12));
    assertThat(completion.unseenTokens()).isEqualTo(4);
    for (int index = 0; index < 4; index++) {
      assertThat(text(chunks, index)).isEqualTo(" one two");
    }
    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.path("choices")).isEmpty();
    assertThat(usageChunk.path("usage").path("completion_tokens").asLong()).isEqualTo(12);
  }

  @Test
  void echoStartsEachAnswerWithItsPromptWhichIsNotOutput() throws IOException {
    CompletionRequest request =
        completion("prompt", List.of("Say hi", "Go"), "echo", true, "max_tokens", 2L);
    MockTextCompletion completion = MockTextCompletion.of(request, FIVE_WORDS);

    List<JsonNode> chunks = streamed(completion, false);
    JsonNode answer = Sse.json(completion.toJson(true));

    assertThat(text(chunks, 0)).isEqualTo("Say hi one two");
    assertThat(text(chunks, 1)).isEqualTo("Go one two");
    assertThat(answer.path("choices").get(1).path("text").asText()).isEqualTo("Go one two");
    assertThat(completion.usage()).isEqualTo(Usage.reported(3, 4));
  }

  @Test
  void theSuffixIsPromptOncePerPromptAndATokenArrayIsItsLength() {
    CompletionRequest request =
        completion("prompt", List.of(List.of(1L, 2L, 3L), List.of(4L)), "suffix", "x y");

    assertThat(MockTextCompletion.promptTokens(request)).isEqualTo(3 + 2 + 1 + 2);
  }

  @Test
  void aCapSharesTheOutputAmongEveryBilledCandidate() {
    CompletionRequest request = completion("n", 1L, "best_of", 2L, "max_tokens", 5L);

    MockTextCompletion capped = MockTextCompletion.of(request, FIVE_WORDS).capped(6);

    assertThat(capped.tokensPerAnswer()).isEqualTo(3);
    assertThat(capped.completionTokens()).isEqualTo(6);
  }

  @Test
  void ignoringMaxTokensRunsPastTheLimit() {
    MockBehavior ignoring = new MockBehavior("one two three four five", 0, 0, true, 0);

    MockTextCompletion completion = MockTextCompletion.of(completion("max_tokens", 3L), ignoring);

    assertThat(completion.tokensPerAnswer()).isGreaterThanOrEqualTo(16);
  }
}
