package dev.pouch.domain.provider;

import dev.pouch.domain.budget.Usage;
import java.io.IOException;
import java.util.Optional;

/**
 * A streamed answer as it arrives from the upstream, metered by the provider. Pulled by one thread
 * at a time; {@link #close()} may be called from another thread to cancel.
 */
public interface UpstreamStream extends AutoCloseable {

  /**
   * Blocks for the next bytes to forward to the client.
   *
   * @return the bytes (whole SSE events where the provider can), or {@code null} at the end
   * @throws IOException when the upstream breaks off
   */
  byte[] next() throws IOException;

  /**
   * Usage metered so far: the upstream's reported usage once it has sent it, otherwise the
   * provider's own count of what has streamed. Never lower than what the upstream produced.
   */
  Usage usage();

  /**
   * A lower bound of the output tokens produced so far, used to decide whether the upstream went
   * past the cap. It must never exceed the true count, or an honest upstream would be cut: a count
   * made with a guessed tokenizer belongs in {@link #usage()} (billing errs high), not here
   * (cutting errs low). The default suits providers that know their usage exactly.
   */
  default long producedAtLeast() {
    return usage().completionTokens();
  }

  /**
   * Whether the upstream said its answer is complete (for OpenAI: {@code [DONE]}, the usage chunk,
   * or a finish reason on every choice), and sent no error event. Asked when {@link #next()} has
   * returned {@code null}: a stream that ended without saying so broke off, and is charged as
   * interrupted (its full reservation unless usage was reported). The default suits providers whose
   * streams end only when the answer is complete.
   */
  default boolean finished() {
    return true;
  }

  /**
   * Whether every output token the upstream bills is streamed as it is produced (no hidden
   * reasoning). Then what was relayed, and the pace it came at, bound what a stream Pouch cancels
   * was billed, and a client that stops a stream pays for about what it got (G6). The default is
   * {@code false}: a cancelled stream is charged its full reservation unless usage was reported.
   */
  default boolean streamsEveryOutputToken() {
    return false;
  }

  /**
   * The id the upstream gave the answer (the Responses API's {@code resp_…}), once its framing
   * showed it; empty for APIs whose answers cannot be continued. Read after the stream ended.
   */
  default Optional<String> answerId() {
    return Optional.empty();
  }

  /** Bytes that end the stream cleanly for the client when Pouch cuts it short. */
  byte[] cutTrailer();

  /**
   * Bytes that tell the client the stream failed, for {@code message}; sent before the trailer when
   * the upstream breaks off mid-stream.
   */
  byte[] errorEvent(String message);

  /** Cancels the upstream call and releases its connection. Idempotent, never throws. */
  @Override
  void close();
}
