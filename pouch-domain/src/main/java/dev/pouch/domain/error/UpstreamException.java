package dev.pouch.domain.error;

/**
 * The upstream provider could not be reached, broke off, or did not answer in time. Whether the
 * request may have reached it decides its charge: a request that was never sent is refunded, one
 * the upstream may have processed is charged what can be bounded (FINANCIAL_SAFETY.md G11).
 */
public final class UpstreamException extends PouchException {
  private final boolean requestSent;

  /**
   * A failure after which the upstream may have processed the request: it is charged. Providers
   * that cannot tell use this one, which errs high.
   */
  public UpstreamException(ErrorCode code, String message, Throwable cause) {
    this(code, message, cause, true);
  }

  private UpstreamException(ErrorCode code, String message, Throwable cause, boolean requestSent) {
    super(requireUpstream(code), message, null, 0, cause);
    this.requestSent = requestSent;
  }

  /**
   * A failure before any of the request reached the upstream (connection refused, no byte written):
   * the upstream cannot have processed it, and it is refunded.
   */
  public static UpstreamException beforeSending(ErrorCode code, String message, Throwable cause) {
    return new UpstreamException(code, message, cause, false);
  }

  /** Whether the request may have reached the upstream (then it is charged, never refunded). */
  public boolean requestSent() {
    return requestSent;
  }

  private static ErrorCode requireUpstream(ErrorCode code) {
    if (code != ErrorCode.UPSTREAM_UNREACHABLE && code != ErrorCode.UPSTREAM_TIMEOUT) {
      throw new IllegalArgumentException("not an upstream error code: " + code);
    }
    return code;
  }
}
