package dev.pouch.domain.chain;

/**
 * A streamed response on its way to the client, pulled chunk by chunk by the HTTP layer. Metering,
 * cutting and settlement happen inside; the HTTP layer only copies bytes and closes.
 */
public interface ResponseStream extends AutoCloseable {

  /**
   * Blocks for the next bytes to write. Upstream failures do not throw: they arrive as a final
   * error event.
   *
   * @return bytes to write and flush, or {@code null} when the stream is over
   */
  byte[] next();

  /**
   * Ends the stream (normally, or because the client went away): cancels the upstream and settles
   * the reservation if that has not happened yet. Idempotent, never throws.
   */
  @Override
  void close();
}
