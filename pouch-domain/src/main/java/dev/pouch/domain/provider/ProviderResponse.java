package dev.pouch.domain.provider;

import dev.pouch.domain.budget.Usage;
import java.util.Map;
import java.util.Objects;

/** What a provider returns for an executed call: a complete answer or a stream being received. */
public sealed interface ProviderResponse {

  int status();

  /** Response headers to pass to the client (content type included). */
  Map<String, String> headers();

  /**
   * A complete answer (or an upstream error, passed through) with its metered usage.
   *
   * @param usage tokens billed for a successful answer; {@link Usage#UNKNOWN} is charged at the
   *     full reservation. An error (status 400 or above) whose usage has no tokens ({@link
   *     Usage#UNKNOWN} or zeros) is an upstream refusal, passed through and refunded (DESIGN §4:
   *     nothing was served); an error with tokens broke off after producing them and is charged
   *     like an interrupted stream (reported usage, else the full reservation).
   */
  record Complete(int status, Map<String, String> headers, byte[] body, Usage usage)
      implements ProviderResponse {
    public Complete {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(usage, "usage");
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
}
