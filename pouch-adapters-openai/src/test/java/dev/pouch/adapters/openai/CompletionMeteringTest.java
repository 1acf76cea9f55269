package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.provider.CompletionRequest;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pieces that meter a legacy completion: its chunks' output, its echo, its prompt's bounds and
 * its fields.
 */
class CompletionMeteringTest {
  private static final TokenCounter TOKENS = new TokenCounter();
  private static final CompletionPrompts PROMPTS = new CompletionPrompts(TOKENS);

  static CompletionRequest completion(Object... fields) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-3.5-turbo-instruct");
    body.put("prompt", "Say this is a test");
    for (int i = 0; i < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return CompletionRequest.of(body);
  }

  private static String chunk(int index, String text, String finish) {
    return "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
        + "\"choices\":[{\"text\":"
        + (text == null ? "null" : "\"" + text + "\"")
        + ",\"index\":"
        + index
        + ",\"logprobs\":null,\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}";
  }

  @Test
  void aTextCompletionChunksTextIsItsOutput() throws IOException {
    ChunkFacts facts = ChunkFacts.parse(chunk(0, " hello", null), ChunkFacts.Shape.TEXT_COMPLETION);

    assertThat(facts.outputs()).containsExactly(" hello");
    assertThat(facts.choicesWithOutput()).isEqualTo(1);
    assertThat(facts.simple()).isTrue();
    assertThat(facts.deltas()).containsExactly(new ChunkFacts.ChoiceDelta(0, " hello", null, null));
  }

  @Test
  void anEmptyTextWithAFinishReasonIsNoOutputButEndsItsChoice() throws IOException {
    ChunkFacts facts = ChunkFacts.parse(chunk(2, "", "length"), ChunkFacts.Shape.TEXT_COMPLETION);

    assertThat(facts.choicesWithOutput()).isZero();
    assertThat(facts.finishedChoices()).containsExactly(2);
  }

  @Test
  void aChatChunkIsReadAsBeforeAndItsChoicesTextIsNotOutput() throws IOException {
    ChunkFacts facts = ChunkFacts.parse(chunk(0, " hello", null));

    assertThat(facts.outputs()).isEmpty();
    assertThat(facts.simple()).isFalse(); // a field the chat assembler must keep
  }

  @Test
  void theUsageOnlyChunkOfATextCompletionIsRecognised() throws IOException {
    ChunkFacts facts =
        ChunkFacts.parse(
            "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}",
            ChunkFacts.Shape.TEXT_COMPLETION);

    assertThat(facts.usageOnly()).isTrue();
  }

  @Test
  void withoutEchoThereIsNoEchoToSkip() {
    assertThat(EchoedPrompts.of(completion())).isNull();
  }

  @Test
  void anEchoedTextPromptIsNotCountedAsOutputWhateverItsChunking() throws IOException {
    EchoedPrompts echoed = EchoedPrompts.of(completion("prompt", "Say this", "echo", true));

    // the echo in two chunks, then two generated tokens
    assertThat(echoed.outputChunks(tree(chunk(0, "Say", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(0, " this", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(0, " is", null)))).isEqualTo(1);
    assertThat(echoed.outputChunks(tree(chunk(0, " a", null)))).isEqualTo(1);
  }

  @Test
  void eachPromptsAnswersHaveTheirOwnEcho() throws IOException {
    EchoedPrompts echoed =
        EchoedPrompts.of(completion("prompt", List.of("ab", "c"), "n", 2L, "echo", true));

    // answers 0 and 1 echo "ab", answers 2 and 3 echo "c"
    assertThat(echoed.outputChunks(tree(chunk(3, "c", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(1, "ab", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(3, " x", null)))).isEqualTo(1);
    assertThat(echoed.outputChunks(tree(chunk(0, "a", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(0, "b", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(0, " y", null)))).isEqualTo(1);
  }

  @Test
  void aTokenArrayPromptsEchoSpansAtMostOneChunkPerToken() throws IOException {
    EchoedPrompts echoed = EchoedPrompts.of(completion("prompt", List.of(10L, 11L), "echo", true));

    assertThat(echoed.outputChunks(tree(chunk(0, "Hello", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(0, " there", null)))).isZero();
    assertThat(echoed.outputChunks(tree(chunk(0, " friend", null)))).isEqualTo(1);
  }

  @Test
  void aChoiceNamingNoAnswerIsCountedAsOutput() throws IOException {
    EchoedPrompts echoed = EchoedPrompts.of(completion("prompt", "long prompt", "echo", true));

    assertThat(echoed.outputChunks(tree(chunk(7, "x", null)))).isEqualTo(1);
  }

  @Test
  void thePromptBoundCountsEveryPromptWithItsSuffixAndAnAllowance() {
    CompletionRequest request =
        completion("prompt", List.of("Hello world", "Hi"), "suffix", " the end");
    PricedModel instruct = PriceTable.bundled().find("gpt-3.5-turbo-instruct").orElseThrow();
    long suffix = TOKENS.count(" the end", TokenEncoding.CL100K_BASE);
    long expected =
        TOKENS.count("Hello world", TokenEncoding.CL100K_BASE)
            + TOKENS.count("Hi", TokenEncoding.CL100K_BASE)
            + 2 * (suffix + CompletionPrompts.PER_PROMPT_ALLOWANCE);

    assertThat(PROMPTS.bound(request, instruct)).isEqualTo(expected);
    assertThat(PROMPTS.quickBound(request)).isGreaterThanOrEqualTo(expected);
    assertThat(PROMPTS.quickBound(request))
        .isEqualTo(11 + 2 + 2 * (8 + CompletionPrompts.PER_PROMPT_ALLOWANCE));
    assertThat(PROMPTS.atLeast(request)).isEqualTo(2);
  }

  @Test
  void aTokenArrayIsBilledItsLength() {
    CompletionRequest request = completion("prompt", List.of(List.of(1L, 2L, 3L), List.of(4L)));

    assertThat(PROMPTS.bound(request, null))
        .isEqualTo(4 + 2 * CompletionPrompts.PER_PROMPT_ALLOWANCE);
    assertThat(PROMPTS.atLeast(request)).isEqualTo(4);
  }

  @Test
  void anAllowedExtraFieldIsBoundedInEveryPrompt() {
    CompletionRequest request = completion("prompt", List.of("a", "b"), "guided_regex", "[a-z]+");

    assertThat(PROMPTS.quickBound(request))
        .isEqualTo(2 * (1 + CompletionPrompts.PER_PROMPT_ALLOWANCE + "\"[a-z]+\"".length()));
  }

  @Test
  void unknownFieldsAreUnpricedUnlessAllowedAndBeamSearchAlways() {
    CompletionRequest request = completion("guided_regex", "[a-z]+", "temperature", 0.5);

    assertThat(CompletionFields.unpriced(request, Set.of()))
        .map(f -> f.field())
        .contains("guided_regex");
    assertThat(CompletionFields.unpriced(request, Set.of("guided_regex"))).isEmpty();
    assertThat(
            CompletionFields.unpriced(
                completion("use_beam_search", true), Set.of("use_beam_search")))
        .isPresent();
    assertThat(
            CompletionFields.unpriced(
                completion("echo", true, "best_of", 3L, "logprobs", 2L, "suffix", "x"), Set.of()))
        .isEmpty();
  }

  private static com.fasterxml.jackson.databind.JsonNode tree(String json) throws IOException {
    return OpenAiProvider.MAPPER.readTree(json);
  }
}
