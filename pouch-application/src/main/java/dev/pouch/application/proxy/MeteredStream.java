package dev.pouch.application.proxy;

import dev.pouch.domain.budget.Ending;
import dev.pouch.domain.budget.Produced;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one metering component of every answer received as a stream, whether the client gets a stream
 * ({@link #next()}) or a plain answer ({@link PlainAnswer}): it cuts the upstream when it goes past
 * the output the reservation pays for, tells a finished stream from one that broke off, and settles
 * exactly once at the end, on failure, or when the client goes away ({@link #close()}). A provider
 * supplies the transport and the framing ({@link UpstreamStream}); the policy is here.
 */
final class MeteredStream implements ResponseStream {
  private static final Logger log = LoggerFactory.getLogger(MeteredStream.class);

  /** What one pull of the upstream gave, once the metering policy has seen it. */
  sealed interface Step {
    /** Bytes to pass on. */
    record Output(byte[] bytes) implements Step {}

    /** The upstream went past the cap: cut, and settled. */
    record Cut() implements Step {}

    /** The upstream broke off before its answer was complete: settled as interrupted. */
    record Broken(String message) implements Step {}

    /** The upstream said its answer is complete: settled. */
    record Finished() implements Step {}
  }

  private final UpstreamStream upstream;
  private final OpenReservation reservation;
  private final int status;
  private final int brokenStatus;
  private final OutputPace pace;
  private final Deque<byte[]> pending = new ArrayDeque<>(2);
  private volatile boolean ended;

  /**
   * @param status the status the client got (a stream's head is sent at once)
   * @param brokenStatus the status recorded when the upstream breaks off: a stream's own status, or
   *     502 for a plain answer (the client has not had its head yet)
   */
  MeteredStream(
      UpstreamStream upstream,
      OpenReservation reservation,
      int status,
      int brokenStatus,
      OutputPace pace) {
    this.upstream = upstream;
    this.reservation = reservation;
    this.status = status;
    this.brokenStatus = brokenStatus;
    this.pace = pace;
  }

  /** Pulls the upstream once and applies the policy; after the end, {@link Step.Finished}. */
  Step pull() {
    if (ended) {
      return new Step.Finished();
    }
    byte[] chunk;
    try {
      chunk = upstream.next();
    } catch (IOException | RuntimeException failure) {
      if (ended) {
        return new Step.Finished(); // closed from another thread while we waited
      }
      log.atWarn()
          .addKeyValue("reason", failure.getMessage())
          .log("upstream stream failed; ending it with an error");
      settle(Ending.INTERRUPTED, brokenStatus, "upstream_error");
      return new Step.Broken("The upstream stream failed before it was complete.");
    }
    if (chunk == null) {
      if (!upstream.finished()) {
        // Ended without saying it was complete (or after an error event): it broke off.
        settle(Ending.INTERRUPTED, brokenStatus, "upstream_incomplete");
        return new Step.Broken("The upstream stream ended before it was complete.");
      }
      settle(Ending.COMPLETED, status, null);
      return new Step.Finished();
    }
    long produced = upstream.producedAtLeast();
    if (produced > reservation.outputCap()) {
      // The upstream ignores max_tokens: stop paying for it. The chunk past the cap is dropped.
      settle(Ending.CAPPED, status, null);
      return new Step.Cut();
    }
    pace.arrived(produced, System.nanoTime());
    return new Step.Output(chunk);
  }

  /** The stream as the client gets it: a cut ends with the trailer, a break with an error event. */
  @Override
  public byte[] next() {
    if (!pending.isEmpty()) {
      return pending.poll();
    }
    Step step = pull();
    if (step instanceof Step.Output output) {
      return output.bytes();
    }
    if (step instanceof Step.Cut) {
      return upstream.cutTrailer();
    }
    if (step instanceof Step.Broken broken) {
      pending.add(upstream.cutTrailer());
      return upstream.errorEvent(broken.message());
    }
    return null;
  }

  /**
   * The client left (or a stop cut the stream): the upstream is cancelled, and charged what it
   * produced until it noticed, bounded by the pace its output came at when every output token
   * streams; else its full reservation unless usage was reported.
   */
  @Override
  public void close() {
    if (ended) {
      return;
    }
    ended = true;
    upstream.close();
    long produced = upstream.producedAtLeast();
    Produced bounds =
        upstream.streamsEveryOutputToken()
            ? pace.cancelledAt(produced, System.nanoTime())
            : Produced.atLeast(produced);
    reservation.settle(Ending.CLIENT_CLOSED, upstream.usage(), bounds, status, "client_closed");
  }

  /** Pouch itself failed while reading the stream (a framing bug): charged as interrupted. */
  void failed() {
    if (!ended) {
      settle(Ending.INTERRUPTED, 500, "internal_error");
    }
  }

  /**
   * Stops the upstream, then settles on what it produced: usage and the lower bound are read after
   * the close, so they include whatever the stream still held when it was cut.
   */
  private void settle(Ending ending, int recordedStatus, String errorCode) {
    ended = true;
    upstream.close();
    reservation.answered(upstream.answerId().orElse(null));
    reservation.settle(
        ending,
        upstream.usage(),
        Produced.atLeast(upstream.producedAtLeast()),
        recordedStatus,
        errorCode);
  }
}
