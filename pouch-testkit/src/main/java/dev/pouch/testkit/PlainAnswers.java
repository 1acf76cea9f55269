package dev.pouch.testkit;

import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;

/**
 * Reads a plain answer a provider received as a stream ({@link ProviderResponse.Assembling}) the
 * way Pouch's core reads it (pull, stop past the cap, 502 when it breaks off), without a ledger, so
 * that a provider's tests see the answer a client gets, with the stream's own usage and lower
 * bound. What each ending is charged is the core's decision, not the provider's.
 */
public final class PlainAnswers {
  private PlainAnswers() {}

  /** The answer a client gets; a {@link ProviderResponse.Complete} is returned as it is. */
  public static ProviderResponse.Complete read(ProviderResponse response, long outputCap) {
    if (!(response instanceof ProviderResponse.Assembling assembling)) {
      return (ProviderResponse.Complete) response;
    }
    UpstreamStream stream = assembling.stream();
    try (stream) {
      boolean cut = false;
      boolean broken = false;
      try {
        for (byte[] chunk = stream.next(); chunk != null; chunk = stream.next()) {
          if (stream.producedAtLeast() > outputCap) {
            cut = true;
            break;
          }
          assembling.assembler().accept(chunk);
        }
        broken = !cut && !stream.finished();
      } catch (IOException failed) {
        broken = true;
      }
      stream.close();
      byte[] body =
          broken ? assembling.assembler().failure("broke off") : assembling.assembler().answer(cut);
      return new ProviderResponse.Complete(
          broken ? 502 : assembling.status(),
          assembling.headers(),
          body,
          stream.usage(),
          stream.producedAtLeast());
    }
  }
}
