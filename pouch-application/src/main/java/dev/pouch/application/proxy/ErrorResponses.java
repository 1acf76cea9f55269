package dev.pouch.application.proxy;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pouch's failures as HTTP responses in OpenAI's error shape {@code
 * {"error":{"message","type","code","param"}}}. The one place that maps error codes to statuses,
 * shared by every HTTP stack that hosts Pouch (the Javalin server, an embedding application).
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** The HTTP status for a code. */
  public static int status(ErrorCode code) {
    return switch (code) {
      case INVALID_API_KEY, KEY_EXPIRED, ADMIN_UNAUTHORIZED -> 401;
      case MODEL_NOT_ALLOWED, KEY_SUSPENDED -> 403;
      case MODEL_PRICE_UNKNOWN, UNSUPPORTED_PARAMETER, INVALID_REQUEST, INVALID_CONFIG -> 400;
      case NOT_FOUND -> 404;
      case REQUEST_TOO_LARGE -> 413;
      case BUDGET_EXCEEDED, RATE_LIMIT_EXCEEDED -> 429;
      case UPSTREAM_UNREACHABLE -> 502;
      case UPSTREAM_TIMEOUT -> 504;
      case INTERNAL -> 500;
    };
  }

  /** The OpenAI error {@code type} for a code. */
  public static String type(ErrorCode code) {
    return switch (code) {
      case BUDGET_EXCEEDED -> "insufficient_quota";
      case RATE_LIMIT_EXCEEDED -> "rate_limit_exceeded";
      case UPSTREAM_UNREACHABLE, UPSTREAM_TIMEOUT -> "upstream_error";
      case INTERNAL -> "server_error";
      case INVALID_API_KEY,
          KEY_EXPIRED,
          ADMIN_UNAUTHORIZED,
          MODEL_NOT_ALLOWED,
          KEY_SUSPENDED,
          MODEL_PRICE_UNKNOWN,
          UNSUPPORTED_PARAMETER,
          INVALID_REQUEST,
          INVALID_CONFIG,
          NOT_FOUND,
          REQUEST_TOO_LARGE ->
          "invalid_request_error";
    };
  }

  /** The error body for a failure (no stack traces, no internals beyond the message). */
  public static String body(PouchException failure) {
    return body(failure.code(), failure.getMessage(), failure.param());
  }

  /** The error body for a code, message and param (param may be null). */
  public static String body(ErrorCode code, String message, String param) {
    return "{\"error\":{\"message\":"
        + Json.quote(message)
        + ",\"type\":"
        + Json.quote(type(code))
        + ",\"code\":"
        + Json.quote(code.wireCode())
        + ",\"param\":"
        + Json.quote(param)
        + "}}";
  }

  /** A complete response for a failure, with {@code Retry-After} for rate limits. */
  public static ProxyResponse.Complete response(PouchException failure) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    if (failure.retryAfterSeconds() > 0) {
      headers.put("Retry-After", Long.toString(failure.retryAfterSeconds()));
    }
    return new ProxyResponse.Complete(
        status(failure.code()), headers, body(failure).getBytes(StandardCharsets.UTF_8));
  }
}
