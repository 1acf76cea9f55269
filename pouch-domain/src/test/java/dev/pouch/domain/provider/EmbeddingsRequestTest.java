package dev.pouch.domain.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.RequestRejectedException;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EmbeddingsRequestTest {

  private static Map<String, Object> body(Object input) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "text-embedding-3-small");
    body.put("input", input);
    return body;
  }

  static Stream<Arguments> inputForms() {
    return Stream.of(
        Arguments.of("one text", List.of("one text")),
        Arguments.of(List.of("a", "b"), List.of("a", "b")),
        Arguments.of(List.of(1, 2, 3), List.of(List.of(1, 2, 3))),
        Arguments.of(List.of(List.of(1), List.of(2, 3)), List.of(List.of(1), List.of(2, 3))));
  }

  @ParameterizedTest
  @MethodSource("inputForms")
  void everyInputFormOfOpenAisIsReadAsAListOfInputs(Object input, List<?> inputs) {
    EmbeddingsRequest request = EmbeddingsRequest.of(body(input));

    assertThat(request.inputs()).isEqualTo(inputs);
    assertThat(request.api()).isEqualTo(Operation.EMBEDDINGS);
    assertThat(Operations.parse(Operation.EMBEDDINGS, body(input))).isEqualTo(request);
  }

  @Test
  void anEmbeddingHasNoOutputToLimitOrStream() {
    EmbeddingsRequest request = EmbeddingsRequest.of(body("text"));

    assertThat(request.maxOutputTokens()).isZero();
    assertThat(request.hasOutputLimit()).isFalse();
    assertThat(request.stream()).isFalse();
    assertThat(request.choices()).isEqualTo(1);
    assertThat(request.withMaxOutputTokens(100)).isSameAs(request);
    assertThat(request.withModel("text-embedding-3-large").model())
        .isEqualTo("text-embedding-3-large");
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(null, "input"),
        Arguments.of("", "input"),
        Arguments.of(List.of(), "input"),
        Arguments.of(List.of("text", 3), "input"),
        Arguments.of(List.of(1, -2), "input"),
        Arguments.of(List.of(new BigDecimal("1.5")), "input"),
        Arguments.of(List.of(List.of(1), List.of()), "input"),
        Arguments.of(List.of(List.of(1), "text"), "input"),
        Arguments.of(Map.of("text", "x"), "input"),
        Arguments.of(Collections.nCopies(EmbeddingsRequest.MAX_INPUTS + 1, "x"), "input"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void malformedInputIsRefusedNamingTheField(Object input, String param) {
    RequestRejectedException refused =
        catchThrowableOfType(
            RequestRejectedException.class, () -> EmbeddingsRequest.of(body(input)));

    assertThat(refused).isNotNull();
    assertThat(refused.param()).isEqualTo(param);
  }

  @Test
  void streamDimensionsAndEncodingFormatAreChecked() {
    Map<String, Object> streamed = body("text");
    streamed.put("stream", true);
    Map<String, Object> zeroDimensions = body("text");
    zeroDimensions.put("dimensions", 0);
    Map<String, Object> format = body("text");
    format.put("encoding_format", "int8");

    assertThat(paramOf(streamed)).isEqualTo("stream");
    assertThat(paramOf(zeroDimensions)).isEqualTo("dimensions");
    assertThat(paramOf(format)).isEqualTo("encoding_format");
  }

  private static String paramOf(Map<String, Object> body) {
    return catchThrowableOfType(RequestRejectedException.class, () -> EmbeddingsRequest.of(body))
        .param();
  }
}
