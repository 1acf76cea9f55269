package dev.pouch.domain.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CompletionRequestTest {

  /** A minimal valid body, as a JSON parser would produce it; edit the copy per test. */
  private static Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-3.5-turbo-instruct");
    body.put("prompt", "Say this is a test");
    return body;
  }

  private static Map<String, Object> body(String field, Object value) {
    Map<String, Object> body = body();
    body.put(field, value);
    return body;
  }

  @Test
  void aMinimalBodyIsOnePromptOneAnswerOfSixteenTokens() {
    CompletionRequest request = CompletionRequest.of(body());

    assertThat(request.api()).isEqualTo(Operation.COMPLETIONS);
    assertThat(request.model()).isEqualTo("gpt-3.5-turbo-instruct");
    assertThat(request.prompts()).containsExactly("Say this is a test");
    assertThat(request.stream()).isFalse();
    assertThat(request.echo()).isFalse();
    assertThat(request.includeUsage()).isFalse();
    assertThat(request.choices()).isEqualTo(1);
    assertThat(request.answers()).isEqualTo(1);
    assertThat(request.maxOutputTokens()).isEqualTo(16L);
    assertThat(request.hasOutputLimit()).isTrue();
  }

  @Test
  void withoutMaxTokensTheDefaultOfSixteenIsWrittenWhenTheLimitIsSet() {
    CompletionRequest request = CompletionRequest.of(body());

    CompletionRequest limited = request.withMaxOutputTokens(16);

    assertThat(limited.body()).containsEntry("max_tokens", 16L);
    assertThat(request.body()).doesNotContainKey("max_tokens");
  }

  @Test
  void maxTokensIsTheLimitPerAnswer() {
    assertThat(CompletionRequest.of(body("max_tokens", 300L)).maxOutputTokens()).isEqualTo(300L);
    assertThat(CompletionRequest.of(body("max_tokens", 5.0)).maxOutputTokens()).isEqualTo(5L);
  }

  static Stream<Arguments> promptShapes() {
    return Stream.of(
        Arguments.of("a string", "Once upon", List.of("Once upon"), 1),
        Arguments.of("an empty string", "", List.of(""), 1),
        Arguments.of("an array of strings", List.of("a", "b", "c"), List.of("a", "b", "c"), 3),
        Arguments.of("a token array", List.of(1L, 2L, 3L), List.of(List.of(1L, 2L, 3L)), 1),
        Arguments.of(
            "an array of token arrays",
            List.of(List.of(1L), List.of(2L, 3L)),
            List.of(List.of(1L), List.of(2L, 3L)),
            2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("promptShapes")
  void everyDocumentedPromptShapeIsAcceptedAndCountsItsPrompts(
      String shape, Object prompt, List<Object> prompts, int count) {
    CompletionRequest request = CompletionRequest.of(body("prompt", prompt));

    assertThat(request.prompts()).isEqualTo(prompts);
    assertThat(request.choices()).isEqualTo(count);
  }

  static Stream<Arguments> invalidFields() {
    return Stream.of(
        Arguments.of("model", null),
        Arguments.of("model", ""),
        Arguments.of("model", 3L),
        Arguments.of("prompt", null),
        Arguments.of("prompt", List.of()),
        Arguments.of("prompt", 42L),
        Arguments.of("prompt", Map.of("text", "hi")),
        Arguments.of("prompt", List.of("a", 1L)),
        Arguments.of("prompt", List.of(1L, "a")),
        Arguments.of("prompt", List.of(1L, -2L)),
        Arguments.of("prompt", List.of(1.5)),
        Arguments.of("prompt", List.of(List.of())),
        Arguments.of("prompt", List.of(List.of(1L), List.of("a"))),
        Arguments.of("prompt", List.of(List.of(1L), 2L)),
        Arguments.of("prompt", List.of(true)),
        Arguments.of("stream", "true"),
        Arguments.of("echo", "yes"),
        Arguments.of("suffix", List.of("x")),
        Arguments.of("stream_options", true),
        Arguments.of("max_tokens", 0L),
        Arguments.of("max_tokens", -1L),
        Arguments.of("max_tokens", 1.5),
        Arguments.of("max_tokens", "16"),
        Arguments.of("n", 0L),
        Arguments.of("n", 129L),
        Arguments.of("best_of", 0L),
        Arguments.of("best_of", 21L),
        Arguments.of("best_of", new BigDecimal("2.5")));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("invalidFields")
  void anInvalidFieldIsRefusedNamingIt(String field, Object value) {
    Map<String, Object> body = body();
    body.put(field, value);

    RequestRejectedException refused =
        catchThrowableOfType(RequestRejectedException.class, () -> CompletionRequest.of(body));

    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refused.param()).isEqualTo(field);
  }

  @Test
  void nAndBestOfAtTheirLimitsAreAccepted() {
    Map<String, Object> body = body("n", 20L);
    body.put("best_of", 20L);

    assertThat(CompletionRequest.of(body).choices()).isEqualTo(20);
    assertThat(CompletionRequest.of(body("n", 128L)).choices()).isEqualTo(128);
  }

  @Test
  void bestOfBelowNIsRefused() {
    Map<String, Object> body = body("n", 3L);
    body.put("best_of", 2L);

    assertThatThrownBy(() -> CompletionRequest.of(body))
        .isInstanceOfSatisfying(
            RequestRejectedException.class, e -> assertThat(e.param()).isEqualTo("best_of"));
  }

  @Test
  void theUpstreamBillsBestOfCandidatesPerPromptWhileNComeBack() {
    Map<String, Object> body = body("prompt", List.of("a", "b", "c"));
    body.put("n", 2L);
    body.put("best_of", 5L);

    CompletionRequest request = CompletionRequest.of(body);

    assertThat(request.n()).isEqualTo(2);
    assertThat(request.candidatesPerPrompt()).isEqualTo(5);
    assertThat(request.choices()).isEqualTo(15);
    assertThat(request.answers()).isEqualTo(6);
    assertThat(request.billsUnseenCandidates()).isTrue();
  }

  @Test
  void everyPromptGetsNAnswers() {
    Map<String, Object> body = body("prompt", List.of(List.of(1L), List.of(2L), List.of(3L)));
    body.put("n", 4L);

    CompletionRequest request = CompletionRequest.of(body);

    assertThat(request.choices()).isEqualTo(12);
    assertThat(request.answers()).isEqualTo(12);
    assertThat(request.billsUnseenCandidates()).isFalse();
  }

  @Test
  void bestOfEqualToNBillsNoUnseenCandidate() {
    Map<String, Object> body = body("n", 2L);
    body.put("best_of", 2L);

    assertThat(CompletionRequest.of(body).billsUnseenCandidates()).isFalse();
  }

  @Test
  void echoLogprobsAndSuffixPassThroughUntouched() {
    Map<String, Object> body = body("echo", true);
    body.put("logprobs", 3L);
    body.put("suffix", " the end");
    body.put("temperature", 0.2);

    CompletionRequest request = CompletionRequest.of(body).withModel("davinci-002");

    assertThat(request.echo()).isTrue();
    assertThat(request.body())
        .containsEntry("logprobs", 3L)
        .containsEntry("suffix", " the end")
        .containsEntry("temperature", 0.2)
        .containsEntry("model", "davinci-002");
  }

  @Test
  void theUsageChunkIsAskedForThroughStreamOptions() {
    Map<String, Object> body = body("stream", true);
    body.put("stream_options", Map.of("include_usage", true));

    CompletionRequest request = CompletionRequest.of(body);

    assertThat(request.stream()).isTrue();
    assertThat(request.includeUsage()).isTrue();
  }

  @Test
  void anotherApisOperationIsNotACompletionRequest() {
    Operation chat =
        ChatRequest.of(
            Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "x"))));

    assertThatThrownBy(() -> CompletionRequest.of(chat))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
