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

class ResponsesRequestTest {

  /** A minimal valid body, as a JSON parser would produce it; edit the copy per test. */
  private static Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-test");
    body.put("input", "Hi");
    return body;
  }

  private static Map<String, Object> body(String field, Object value) {
    Map<String, Object> body = body();
    body.put(field, value);
    return body;
  }

  @Test
  void aMinimalBodyIsAcceptedAsOneAnswerWithoutALimit() {
    ResponsesRequest request = ResponsesRequest.of(body());

    assertThat(request.api()).isEqualTo(Operation.RESPONSES);
    assertThat(request.model()).isEqualTo("gpt-test");
    assertThat(request.input()).isEqualTo("Hi");
    assertThat(request.stream()).isFalse();
    assertThat(request.choices()).isEqualTo(1);
    assertThat(request.maxOutputTokens()).isNull();
    assertThat(request.hasOutputLimit()).isFalse();
  }

  @Test
  void inputMayBeItemsWithTextOrContentParts() {
    List<Object> input =
        List.of(
            Map.of("role", "user", "content", "Hello"),
            Map.of(
                "type",
                "message",
                "role",
                "user",
                "content",
                List.of(Map.of("type", "input_text", "text", "What is this?"))),
            Map.of("type", "function_call_output", "call_id", "c1", "output", "42"));

    ResponsesRequest request = ResponsesRequest.of(body("input", input));

    assertThat(request.input()).isEqualTo(input);
  }

  @Test
  void inputMayBeAbsentForARequestThatContinuesAStoredResponse() {
    Map<String, Object> body = body();
    body.remove("input");
    body.put("previous_response_id", "resp_1");

    assertThat(ResponsesRequest.of(body).input()).isNull();
  }

  static Stream<Arguments> invalidFields() {
    return Stream.of(
        Arguments.of("model", null, "model"),
        Arguments.of("model", "", "model"),
        Arguments.of("model", 42L, "model"),
        Arguments.of("input", 42L, "input"),
        Arguments.of("input", Map.of("role", "user"), "input"),
        Arguments.of("input", List.of("Hi"), "input[0]"),
        Arguments.of("input", List.of(Map.of("role", "user", "content", 5L)), "input[0].content"),
        Arguments.of(
            "input", List.of(Map.of("role", "user", "content", List.of("x"))), "input[0].content"),
        Arguments.of("instructions", List.of(), "instructions"),
        Arguments.of("stream", "true", "stream"),
        Arguments.of("max_output_tokens", 0L, "max_output_tokens"),
        Arguments.of("max_output_tokens", -1L, "max_output_tokens"),
        Arguments.of("max_output_tokens", "100", "max_output_tokens"),
        Arguments.of("max_output_tokens", new BigDecimal("2.5"), "max_output_tokens"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("invalidFields")
  void anInvalidFieldIsRefusedNamingIt(String field, Object value, String param) {
    Map<String, Object> body = new HashMap<>(body());
    body.put(field, value);

    RequestRejectedException refused =
        catchThrowableOfType(RequestRejectedException.class, () -> ResponsesRequest.of(body));

    assertThat(refused).as("%s = %s", field, value).isNotNull();
    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refused.param()).isEqualTo(param);
  }

  @Test
  void maxOutputTokensIsTheLimitAndANewLimitIsWrittenToIt() {
    ResponsesRequest request = ResponsesRequest.of(body("max_output_tokens", 500L));

    ResponsesRequest edited = request.withMaxOutputTokens(120);

    assertThat(request.maxOutputTokens()).isEqualTo(500);
    assertThat(request.hasOutputLimit()).isTrue();
    assertThat(edited.body()).containsEntry("max_output_tokens", 120L);
    assertThat(edited.maxOutputTokens()).isEqualTo(120);
    assertThat(edited.body()).doesNotContainKeys("max_tokens", "max_completion_tokens");
  }

  @Test
  void aLimitIsSetWhenTheClientSetNone() {
    ResponsesRequest edited = ResponsesRequest.of(body()).withMaxOutputTokens(64);

    assertThat(edited.hasOutputLimit()).isTrue();
    assertThat(edited.maxOutputTokens()).isEqualTo(64);
  }

  @Test
  void fieldsPouchDoesNotKnowPassThroughEveryEdit() {
    Map<String, Object> body = body("reasoning", Map.of("effort", "low"));
    body.put("temperature", new BigDecimal("0.2"));
    body.put("store", false);

    ResponsesRequest edited =
        ResponsesRequest.of(body).withModel("gpt-other").withMaxOutputTokens(10);

    assertThat(edited.body())
        .containsEntry("reasoning", Map.of("effort", "low"))
        .containsEntry("temperature", new BigDecimal("0.2"))
        .containsEntry("store", false)
        .containsEntry("model", "gpt-other");
  }

  @Test
  void theRequestDoesNotChangeWhenTheParsedBodyDoes() {
    Map<String, Object> body = body();
    ResponsesRequest request = ResponsesRequest.of(body);

    body.put("model", "changed");

    assertThat(request.model()).isEqualTo("gpt-test");
    assertThatThrownBy(() -> request.body().put("model", "x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aChatRequestIsNotAResponsesRequest() {
    Operation chat =
        ChatRequest.of(Map.of("model", "m", "messages", List.of(Map.of("role", "user"))));

    assertThatThrownBy(() -> ResponsesRequest.of(chat))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
