package dev.pouch.application.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.error.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Failures in OpenAI's error shape, with the statuses of the HTTP contract (DESIGN §4). */
class ErrorResponsesTest {

  static Stream<Arguments> contract() {
    return Stream.of(
        Arguments.of(ErrorCode.INVALID_API_KEY, 401, "invalid_request_error"),
        Arguments.of(ErrorCode.KEY_EXPIRED, 401, "invalid_request_error"),
        Arguments.of(ErrorCode.MODEL_NOT_ALLOWED, 403, "invalid_request_error"),
        Arguments.of(ErrorCode.MODEL_PRICE_UNKNOWN, 400, "invalid_request_error"),
        Arguments.of(ErrorCode.UNSUPPORTED_PARAMETER, 400, "invalid_request_error"),
        Arguments.of(ErrorCode.BUDGET_EXCEEDED, 402, "insufficient_quota"),
        Arguments.of(ErrorCode.KEY_SUSPENDED, 403, "invalid_request_error"),
        Arguments.of(ErrorCode.RATE_LIMIT_EXCEEDED, 429, "rate_limit_exceeded"),
        Arguments.of(ErrorCode.INVALID_REQUEST, 400, "invalid_request_error"),
        Arguments.of(ErrorCode.REQUEST_TOO_LARGE, 413, "invalid_request_error"),
        Arguments.of(ErrorCode.UPSTREAM_UNREACHABLE, 502, "upstream_error"),
        Arguments.of(ErrorCode.UPSTREAM_TIMEOUT, 504, "upstream_error"));
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @MethodSource("contract")
  void everyCodeHasTheStatusAndTypeOfTheHttpContract(ErrorCode code, int status, String type) {
    assertThat(ErrorResponses.status(code)).isEqualTo(status);
    assertThat(ErrorResponses.type(code)).isEqualTo(type);
  }

  @Test
  void theBodyIsOpenAisErrorShape() {
    RequestRejectedException failure =
        RequestRejectedException.invalidRequest("max_tokens", "'max_tokens' must be positive");

    assertThat(ErrorResponses.body(failure))
        .isEqualTo(
            "{\"error\":{\"message\":\"'max_tokens' must be positive\","
                + "\"type\":\"invalid_request_error\",\"code\":\"invalid_request\","
                + "\"param\":\"max_tokens\"}}");
  }

  @Test
  void aMissingParamIsJsonNull() {
    String body =
        ErrorResponses.body(new UpstreamException(ErrorCode.UPSTREAM_TIMEOUT, "too slow", null));

    assertThat(body).endsWith("\"param\":null}}");
  }

  @Test
  void messagesAreEscapedIntoValidJsonStrings() {
    String body = ErrorResponses.body(ErrorCode.INTERNAL, "a \"quoted\"\\path\nnext\u0001", null);

    assertThat(body).contains("\"message\":\"a \\\"quoted\\\"\\\\path\\nnext\\u0001\"");
  }

  @Test
  void aRateLimitTellsWhenToRetry() {
    ProxyResponse.Complete response =
        ErrorResponses.response(RequestRejectedException.rateLimited("slow down", 12));

    assertThat(response.status()).isEqualTo(429);
    assertThat(response.headers())
        .containsEntry("Retry-After", "12")
        .containsEntry("Content-Type", "application/json");
    assertThat(new String(response.body(), StandardCharsets.UTF_8))
        .contains("\"code\":\"rate_limit_exceeded\"");
  }

  @Test
  void otherFailuresHaveNoRetryAfter() {
    ProxyResponse.Complete response =
        ErrorResponses.response(
            new RequestRejectedException(ErrorCode.BUDGET_EXCEEDED, "no money left"));

    assertThat(response.headers()).doesNotContainKey("Retry-After");
  }
}
