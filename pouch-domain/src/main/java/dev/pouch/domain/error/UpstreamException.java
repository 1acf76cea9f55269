package dev.pouch.domain.error;

/** The upstream provider could not be reached or did not answer in time. */
public final class UpstreamException extends PouchException {

  public UpstreamException(ErrorCode code, String message, Throwable cause) {
    super(requireUpstream(code), message, null, 0, cause);
  }

  private static ErrorCode requireUpstream(ErrorCode code) {
    if (code != ErrorCode.UPSTREAM_UNREACHABLE && code != ErrorCode.UPSTREAM_TIMEOUT) {
      throw new IllegalArgumentException("not an upstream error code: " + code);
    }
    return code;
  }
}
