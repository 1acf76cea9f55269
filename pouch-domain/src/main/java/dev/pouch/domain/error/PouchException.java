package dev.pouch.domain.error;

import java.util.Objects;

/**
 * The root of Pouch's failures. Unchecked and sealed: the subclasses name who is at fault, the
 * {@link ErrorCode} names what happened, and each code has its HTTP status.
 */
public abstract sealed class PouchException extends RuntimeException
    permits RequestRejectedException, UpstreamException, InternalException {

  private final ErrorCode code;
  private final String param;
  private final long retryAfterSeconds;

  PouchException(
      ErrorCode code, String message, String param, long retryAfterSeconds, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.param = param;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** What happened. */
  public ErrorCode code() {
    return code;
  }

  /** The request field or config field at fault, or {@code null}. */
  public String param() {
    return param;
  }

  /** For rate limits, seconds until a retry can succeed; otherwise 0. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** What the client is told of this failure. */
  public Refusal refusal() {
    return new Refusal(code, getMessage(), param, retryAfterSeconds, java.util.Map.of());
  }
}
