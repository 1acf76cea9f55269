package dev.pouch.domain.provider;

import dev.pouch.domain.budget.Usage;
import java.util.Map;
import java.util.Objects;

/**
 * What a provider returns for an executed call: a complete answer, a stream being received, or a
 * plain answer received as a stream for the core to meter and the provider's assembler to frame.
 */
public sealed interface ProviderResponse {

  int status();

  /** Response headers to pass to the client (content type included). */
  Map<String, String> headers();

  /**
   * A complete answer (or an upstream error, passed through) with its metered usage.
   *
   * @param usage tokens billed for a successful answer; {@link Usage#UNKNOWN} is charged at the
   *     full reservation. A 4xx error whose usage has no tokens ({@link Usage#UNKNOWN} or zeros) is
   *     an upstream refusal, passed through and refunded: the upstream did not process it. Any
   *     other error (a 5xx, a redirect, a 4xx with tokens) may have been processed and is charged
   *     like an interrupted stream (reported usage, else the full reservation).
   * @param producedAtLeast a lower bound of the output tokens the answer holds (for example the
   *     stream chunks with output of an answer assembled from a stream), 0 when unknown: the charge
   *     never counts fewer
   * @param answerId the id the upstream gave the answer, for an API whose answers a later request
   *     can continue (the Responses API's {@code resp_…}); {@code null} otherwise
   */
  record Complete(
      int status,
      Map<String, String> headers,
      byte[] body,
      Usage usage,
      long producedAtLeast,
      String answerId)
      implements ProviderResponse {
    public Complete {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(usage, "usage");
      if (producedAtLeast < 0) {
        throw new IllegalArgumentException("producedAtLeast cannot be negative");
      }
    }

    /** An answer without an id to continue it by. */
    public Complete(
        int status, Map<String, String> headers, byte[] body, Usage usage, long producedAtLeast) {
      this(status, headers, body, usage, producedAtLeast, null);
    }

    /** An answer with no lower bound of its output beyond its usage. */
    public Complete(int status, Map<String, String> headers, byte[] body, Usage usage) {
      this(status, headers, body, usage, 0);
    }

    /** This answer with the id the upstream gave it. */
    public Complete withAnswerId(String id) {
      return new Complete(status, headers, body, usage, producedAtLeast, id);
    }
  }

  /** A streamed answer; the caller must close the stream. */
  record Streaming(int status, Map<String, String> headers, UpstreamStream stream)
      implements ProviderResponse {
    public Streaming {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(stream, "stream");
    }
  }

  /**
   * A plain answer the provider receives as a stream (so that Pouch can stop an upstream that
   * ignores the output limit at the cap, where a whole answer could only be paid for after the
   * fact). Pouch meters the stream as it meters streams, and asks {@code assembler} for the answer.
   *
   * @param status the status of a complete answer
   * @param headers the headers of the plain answer (its content type)
   */
  record Assembling(
      int status, Map<String, String> headers, UpstreamStream stream, AnswerAssembler assembler)
      implements ProviderResponse {
    public Assembling {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(stream, "stream");
      Objects.requireNonNull(assembler, "assembler");
    }
  }
}
