package dev.pouch.application.proxy;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's error shape {@code {"error":{"message","type","code","param"}}}: the one class that
 * writes it, for Pouch's refusals and failures, a provider's own upstream errors, and error events
 * in streams; shared by every HTTP stack that hosts Pouch (the Javalin server, an embedding
 * application). The status of a code is {@link ErrorCode#httpStatus()}.
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
          INVALID_REQUEST,
          INVALID_CONFIG,
          NOT_FOUND,
          REQUEST_TOO_LARGE ->
          "invalid_request_error";
    };
  }

  /**
   * The error object itself: every other method writes through this one.
   *
   * @param type OpenAI's error type
   * @param code the error code, or {@code null}
   * @param param the request field at fault, or {@code null}
   */
  public static String json(String message, String type, String code, String param) {
    return "{\"error\":{\"message\":"
        + Json.quote(message)
        + ",\"type\":"
        + Json.quote(type)
        + ",\"code\":"
        + Json.quote(code)
        + ",\"param\":"
        + Json.quote(param)
        + "}}";
  }

  /** The error body for a code, message and param (param may be null). */
  public static String body(ErrorCode code, String message, String param) {
    return json(message, type(code), code.wireCode(), param);
  }

  /** The error body of a refusal. */
  public static String body(Refusal refusal) {
    return body(refusal.code(), refusal.message(), refusal.param());
  }

  /** The error body for a failure (no stack traces, no internals beyond the message). */
  public static String body(PouchException failure) {
    return body(failure.refusal());
  }

  /**
   * The body of an error a provider answers for its upstream (a redirect not followed, a stream
   * that broke off): type and code {@code upstream_error}.
   */
  public static byte[] upstreamError(String message) {
    return json(message, "upstream_error", "upstream_error", null).getBytes(StandardCharsets.UTF_8);
  }

  /** A server-sent event carrying an error, as a stream ends with when it cannot go on. */
  public static byte[] event(String errorJson) {
    return ("data: " + errorJson + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A complete response for a refusal: its status, {@code Retry-After} for rate limits, and its
   * headers.
   */
  public static ProxyResponse.Complete response(Refusal refusal) {
    Map<String, String> headers = new LinkedHashMap<>(refusal.headers());
    headers.put("Content-Type", "application/json");
    if (refusal.retryAfterSeconds() > 0) {
      headers.put("Retry-After", Long.toString(refusal.retryAfterSeconds()));
    }
    return new ProxyResponse.Complete(
        refusal.status(), headers, body(refusal).getBytes(StandardCharsets.UTF_8));
  }

  /** A complete response for a failure, with {@code Retry-After} for rate limits. */
  public static ProxyResponse.Complete response(PouchException failure) {
    return response(failure.refusal());
  }
}
