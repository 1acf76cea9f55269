package dev.pouch.domain.error;

/** The caller's request cannot be served as sent (auth, permissions, budget, bad input). */
public final class RequestRejectedException extends PouchException {

  public RequestRejectedException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public RequestRejectedException(ErrorCode code, String message, String param) {
    super(code, message, param, 0, null);
  }

  private RequestRejectedException(ErrorCode code, String message, long retryAfterSeconds) {
    super(code, message, null, retryAfterSeconds, null);
  }

  /** A rate-limit refusal that tells the client when to retry. */
  public static RequestRejectedException rateLimited(String message, long retryAfterSeconds) {
    return new RequestRejectedException(
        ErrorCode.RATE_LIMIT_EXCEEDED, message, Math.max(1, retryAfterSeconds));
  }

  /** A config field that does not match its schema. */
  public static RequestRejectedException invalidConfig(String field, String message) {
    return new RequestRejectedException(ErrorCode.INVALID_CONFIG, message, field);
  }

  /** A request field that is missing, of the wrong type or out of range. */
  public static RequestRejectedException invalidRequest(String param, String message) {
    return new RequestRejectedException(ErrorCode.INVALID_REQUEST, message, param);
  }
}
