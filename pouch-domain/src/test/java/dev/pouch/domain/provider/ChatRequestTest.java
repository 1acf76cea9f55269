package dev.pouch.domain.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChatRequestTest {

  /** A minimal valid body, as a JSON parser would produce it; edit the copy per test. */
  private static Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-test");
    body.put("messages", List.of(Map.of("role", "user", "content", "Hi")));
    return body;
  }

  private static Map<String, Object> body(String field, Object value) {
    Map<String, Object> body = body();
    body.put(field, value);
    return body;
  }

  @Test
  void aMinimalBodyIsAccepted() {
    ChatRequest request = ChatRequest.of(body());

    assertThat(request.model()).isEqualTo("gpt-test");
    assertThat(request.messages()).hasSize(1);
    assertThat(request.stream()).isFalse();
    assertThat(request.choices()).isEqualTo(1);
    assertThat(request.maxOutputTokens()).isNull();
    assertThat(request.includeUsage()).isFalse();
  }

  static Stream<Arguments> invalidFields() {
    return Stream.of(
        Arguments.of("model", null),
        Arguments.of("model", ""),
        Arguments.of("model", "  "),
        Arguments.of("model", 42L),
        Arguments.of("messages", null),
        Arguments.of("messages", List.of()),
        Arguments.of("messages", "Hi"),
        Arguments.of("messages", List.of("Hi")),
        Arguments.of("stream", "true"),
        Arguments.of("stream", 1L),
        Arguments.of("stream_options", true),
        Arguments.of("max_tokens", 0L),
        Arguments.of("max_tokens", -5L),
        Arguments.of("max_tokens", "100"),
        Arguments.of("max_tokens", new BigDecimal("3.5")),
        Arguments.of("max_tokens", 2.5d),
        Arguments.of("max_completion_tokens", 0L),
        Arguments.of("max_completion_tokens", true),
        Arguments.of("n", 0L),
        Arguments.of("n", (long) ChatRequest.MAX_CHOICES + 1),
        Arguments.of("n", "2"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("invalidFields")
  void anInvalidFieldIsRefusedNamingIt(String field, Object value) {
    Map<String, Object> body = new HashMap<>(body());
    body.put(field, value);

    RequestRejectedException refused =
        catchThrowableOfType(RequestRejectedException.class, () -> ChatRequest.of(body));

    assertThat(refused).as("%s = %s", field, value).isNotNull();
    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refused.param()).isEqualTo(field);
  }

  @Test
  void integersMayArriveAsAnyWholeNumberType() {
    assertThat(ChatRequest.of(body("max_tokens", 50)).maxOutputTokens()).isEqualTo(50);
    assertThat(ChatRequest.of(body("max_tokens", new BigDecimal("50.0"))).maxOutputTokens())
        .isEqualTo(50);
    assertThat(ChatRequest.of(body("n", 3.0d)).choices()).isEqualTo(3);
    assertThat(ChatRequest.of(body("n", (long) ChatRequest.MAX_CHOICES)).choices())
        .isEqualTo(ChatRequest.MAX_CHOICES);
  }

  @Test
  void aNullStreamIsNoStream() {
    assertThat(ChatRequest.of(body("stream", null)).stream()).isFalse();
    assertThat(ChatRequest.of(body("stream", true)).stream()).isTrue();
  }

  @Test
  void includeUsageIsReadFromStreamOptions() {
    ChatRequest request = ChatRequest.of(body("stream_options", Map.of("include_usage", true)));

    assertThat(request.includeUsage()).isTrue();
  }

  @Test
  void maxCompletionTokensAloneIsTheLimit() {
    assertThat(ChatRequest.of(body("max_completion_tokens", 70L)).maxOutputTokens()).isEqualTo(70);
  }

  @Test
  void maxTokensAloneIsTheLimit() {
    assertThat(ChatRequest.of(body("max_tokens", 80L)).maxOutputTokens()).isEqualTo(80);
  }

  @Test
  void whenBothLimitsAreSetTheSmallerBinds() {
    Map<String, Object> completionSmaller = body("max_completion_tokens", 70L);
    completionSmaller.put("max_tokens", 80L);
    Map<String, Object> legacySmaller = body("max_completion_tokens", 90L);
    legacySmaller.put("max_tokens", 60L);

    assertThat(ChatRequest.of(completionSmaller).maxOutputTokens()).isEqualTo(70);
    assertThat(ChatRequest.of(legacySmaller).maxOutputTokens()).isEqualTo(60);
  }

  @Test
  void aNewLimitIsWrittenToMaxCompletionTokensWhenTheClientUsedIt() {
    ChatRequest edited =
        ChatRequest.of(body("max_completion_tokens", 500L)).withMaxOutputTokens(120);

    assertThat(edited.body()).containsEntry("max_completion_tokens", 120L);
    assertThat(edited.body()).doesNotContainKey("max_tokens");
    assertThat(edited.maxOutputTokens()).isEqualTo(120);
  }

  @Test
  void aNewLimitIsWrittenToMaxTokensWhenTheClientUsedIt() {
    ChatRequest edited = ChatRequest.of(body("max_tokens", 500L)).withMaxOutputTokens(120);

    assertThat(edited.body()).containsEntry("max_tokens", 120L);
    assertThat(edited.body()).doesNotContainKey("max_completion_tokens");
  }

  @Test
  void aNewLimitIsWrittenToBothFieldsWhenTheClientUsedBoth() {
    Map<String, Object> both = body("max_completion_tokens", 500L);
    both.put("max_tokens", 400L);

    ChatRequest edited = ChatRequest.of(both).withMaxOutputTokens(120);

    assertThat(edited.body())
        .containsEntry("max_completion_tokens", 120L)
        .containsEntry("max_tokens", 120L);
  }

  @Test
  void aNewLimitGoesToMaxTokensWhenTheClientSetNone() {
    ChatRequest edited = ChatRequest.of(body()).withMaxOutputTokens(120);

    assertThat(edited.body()).containsEntry("max_tokens", 120L);
    assertThat(edited.body()).doesNotContainKey("max_completion_tokens");
  }

  @Test
  void fieldsPouchDoesNotKnowPassThroughEveryEdit() {
    Map<String, Object> tool =
        Map.of("type", "function", "function", Map.of("name", "lookup", "parameters", Map.of()));
    Map<String, Object> body = body("tools", List.of(tool));
    body.put("temperature", new BigDecimal("0.2"));
    body.put("x_vendor_flag", null);

    ChatRequest edited = ChatRequest.of(body).withModel("gpt-other").withMaxOutputTokens(10);

    assertThat(edited.body())
        .containsEntry("tools", List.of(tool))
        .containsEntry("temperature", new BigDecimal("0.2"))
        .containsKey("x_vendor_flag")
        .containsEntry("model", "gpt-other");
  }

  @Test
  void editsReturnCopiesAndLeaveTheOriginalAlone() {
    ChatRequest original = ChatRequest.of(body("max_tokens", 500L));

    original.withModel("other").withMaxOutputTokens(1).with("temperature", 1L);

    assertThat(original.model()).isEqualTo("gpt-test");
    assertThat(original.maxOutputTokens()).isEqualTo(500);
    assertThat(original.body()).doesNotContainKey("temperature");
  }

  @Test
  void theRequestDoesNotChangeWhenTheParsedBodyDoes() {
    Map<String, Object> body = body();
    ChatRequest request = ChatRequest.of(body);

    body.put("model", "changed");

    assertThat(request.model()).isEqualTo("gpt-test");
    assertThatThrownBy(() -> request.body().put("model", "x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void settingAFieldToNullRemovesIt() {
    ChatRequest request = ChatRequest.of(body("temperature", 1L)).with("temperature", null);

    assertThat(request.body()).doesNotContainKey("temperature");
  }
}
