package dev.pouch.domain.error;

/** A failure inside Pouch (a bug, or a store that is unavailable): never the client's fault. */
public final class InternalException extends PouchException {

  public InternalException(String message, Throwable cause) {
    super(ErrorCode.INTERNAL, message, null, 0, cause);
  }

  /** What the client is told: nothing of the internals, which are for the logs. */
  @Override
  public Refusal refusal() {
    return Refusal.of(ErrorCode.INTERNAL, "The server had an error while processing your request.");
  }
}
