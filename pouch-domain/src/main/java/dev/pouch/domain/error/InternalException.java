package dev.pouch.domain.error;

/** A failure inside Pouch (a bug, or a store that is unavailable): never the client's fault. */
public final class InternalException extends PouchException {

  public InternalException(String message, Throwable cause) {
    super(ErrorCode.INTERNAL, message, null, 0, cause);
  }
}
