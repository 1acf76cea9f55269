package dev.pouch.application.proxy;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pouch's refusals and failures in OpenAI's error shape (written by {@link ErrorJson}): the error
 * type of each code and the complete responses, shared by every HTTP stack that hosts Pouch (the
 * Javalin server, an embedding application). The status of a code is {@link
 * ErrorCode#httpStatus()}.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** The HTTP status for a code. */
  public static int status(ErrorCode code) {
    return code.httpStatus();
  }

  /** The OpenAI error {@code type} for a code. */
  public static String type(ErrorCode code) {
    return switch (code) {
      case BUDGET_EXCEEDED -> "insufficient_quota";
      case RATE_LIMIT_EXCEEDED -> "rate_limit_exceeded";
      case UPSTREAM_UNREACHABLE, UPSTREAM_TIMEOUT -> "upstream_error";
      case INTERNAL, SERVER_SHUTTING_DOWN, STORE_UNAVAILABLE -> "server_error";
      case INVALID_API_KEY,
          KEY_EXPIRED,
          ADMIN_UNAUTHORIZED,
          MODEL_NOT_ALLOWED,
          KEY_SUSPENDED,
          MODEL_PRICE_UNKNOWN,
          UNSUPPORTED_PARAMETER,
          UNSUPPORTED_OPERATION,
          INVALID_REQUEST,
          INVALID_CONFIG,
          NOT_FOUND,
          CONFLICT,
          MODEL_NOT_FOUND,
          REQUEST_TOO_LARGE ->
          "invalid_request_error";
    };
  }

  /** The error body for a code, message and param (param may be null). */
  public static String body(ErrorCode code, String message, String param) {
    return ErrorJson.body(message, type(code), code.wireCode(), param);
  }

  /** The error body of a refusal. */
  public static String body(Refusal refusal) {
    return body(refusal.code(), refusal.message(), refusal.param());
  }

  /** The error body for a failure (no stack traces, no internals beyond the message). */
  public static String body(PouchException failure) {
    return body(failure.refusal());
  }

  /** Header of a refusal that a retry cannot change: OpenAI's SDKs then send the request once. */
  public static final String SHOULD_RETRY_HEADER = "x-should-retry";

  /**
   * Whether retrying the same request may succeed: a rate limit (after {@code Retry-After}), an
   * upstream or store that failed, a server that is stopping. Anything else (an exhausted budget, a
   * suspended or expired key, a model not allowed, a bad request) fails again until someone acts.
   */
  public static boolean retryable(ErrorCode code) {
    return switch (code) {
      case RATE_LIMIT_EXCEEDED,
          UPSTREAM_UNREACHABLE,
          UPSTREAM_TIMEOUT,
          INTERNAL,
          SERVER_SHUTTING_DOWN,
          STORE_UNAVAILABLE ->
          true;
      default -> false;
    };
  }

  /**
   * A complete response for a refusal: its status, {@code Retry-After} for rate limits, {@code
   * x-should-retry: false} when a retry cannot help (the OpenAI SDKs retry a 409, a 429 and any 5xx
   * unless told not to), and its headers.
   */
  public static ProxyResponse.Complete response(Refusal refusal) {
    Map<String, String> headers = new LinkedHashMap<>(refusal.headers());
    headers.put("Content-Type", "application/json");
    if (refusal.retryAfterSeconds() > 0) {
      headers.put("Retry-After", Long.toString(refusal.retryAfterSeconds()));
    }
    if (!retryable(refusal.code())) {
      headers.put(SHOULD_RETRY_HEADER, "false");
    }
    return new ProxyResponse.Complete(
        refusal.status(), headers, body(refusal).getBytes(StandardCharsets.UTF_8));
  }

  /** A complete response for a failure, with {@code Retry-After} for rate limits. */
  public static ProxyResponse.Complete response(PouchException failure) {
    return response(failure.refusal());
  }
}
