package dev.pouch.application.proxy;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.provider.AnswerAssembler;
import java.util.Map;

/**
 * A plain answer received as a stream: metered by the same {@link MeteredStream} as any stream (cut
 * at the cap, a break told from the end, settled once), framed by the provider's {@link
 * AnswerAssembler}. An answer cut at the cap is served as a length stop; one that broke off is a
 * 502, charged all the same (the upstream had the request).
 */
final class PlainAnswer {
  /** The status of a plain answer whose upstream broke off. */
  static final int BROKE_OFF = 502;

  private PlainAnswer() {}

  static ProxyResponse.Complete collect(
      MeteredStream metered, AnswerAssembler assembler, int status, Map<String, String> headers) {
    try {
      for (; ; ) {
        MeteredStream.Step step = metered.pull();
        if (step instanceof MeteredStream.Step.Output output) {
          assembler.accept(output.bytes());
        } else if (step instanceof MeteredStream.Step.Broken broken) {
          return new ProxyResponse.Complete(
              BROKE_OFF, headers, assembler.failure(broken.message()));
        } else {
          boolean cut = step instanceof MeteredStream.Step.Cut;
          return new ProxyResponse.Complete(status, headers, assembler.answer(cut));
        }
      }
    } catch (RuntimeException bug) {
      // Settled before the close below, which would take it for a client that left: nothing
      // proves the upstream stopped early, so it is charged as interrupted, erring high.
      metered.failed();
      throw new InternalException("the provider could not frame its answer", bug);
    } finally {
      metered.close(); // a no-op once settled
    }
  }
}
