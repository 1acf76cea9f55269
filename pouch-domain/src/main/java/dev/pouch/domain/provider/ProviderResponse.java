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
   *     full reservation. An upstream error (status 400 or above) is passed through and refunded
   *     whatever its usage, as DESIGN §4 says: OpenAI does not bill failed requests.
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
