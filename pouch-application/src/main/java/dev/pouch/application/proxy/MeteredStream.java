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
 * Forwards an upstream stream while watching its metered usage: cuts it when the upstream goes past
 * the output the reservation pays for, turns an upstream failure into an error event, and settles
 * exactly once at the end, on failure, or when the client goes away ({@link #close()}).
 */
final class MeteredStream implements ResponseStream {
  private static final Logger log = LoggerFactory.getLogger(MeteredStream.class);

  private final UpstreamStream upstream;
  private final OpenReservation reservation;
  private final int status;
  private final OutputPace pace;
  private final Deque<byte[]> pending = new ArrayDeque<>(2);
  private volatile boolean ended;

  MeteredStream(UpstreamStream upstream, OpenReservation reservation, int status, OutputPace pace) {
    this.upstream = upstream;
    this.reservation = reservation;
    this.status = status;
    this.pace = pace;
  }

  @Override
  public byte[] next() {
    if (!pending.isEmpty()) {
      return pending.poll();
    }
    if (ended) {
      return null;
    }
    byte[] chunk;
    try {
      chunk = upstream.next();
    } catch (IOException | RuntimeException failure) {
      if (ended) {
        return null; // closed from another thread while we waited
      }
      log.atWarn()
          .addKeyValue("reason", failure.getMessage())
          .log("upstream stream failed; ending it with an error event");
      return fail("upstream_error", "The upstream stream failed before it was complete.");
    }
    if (chunk == null) {
      if (!upstream.finished()) {
        // Ended without saying it was complete (or after an error event): it broke off.
        return fail("upstream_incomplete", "The upstream stream ended before it was complete.");
      }
      settle(Ending.COMPLETED, null);
      return null;
    }
    long produced = upstream.producedAtLeast();
    if (produced > reservation.outputCap()) {
      // The upstream ignores max_tokens: stop paying for it. The chunk past the cap is dropped.
      settle(Ending.CAPPED, null);
      return upstream.cutTrailer();
    }
    pace.arrived(produced, System.nanoTime());
    return chunk;
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

  /** Ends a stream that broke off: settled as interrupted, then an error event and the trailer. */
  private byte[] fail(String errorCode, String message) {
    settle(Ending.INTERRUPTED, errorCode);
    pending.add(upstream.cutTrailer());
    return upstream.errorEvent(message);
  }

  /**
   * Stops the upstream, then settles on what it produced: usage and the lower bound are read after
   * the close, so they include whatever the stream still held when it was cut.
   */
  private void settle(Ending ending, String errorCode) {
    ended = true;
    upstream.close();
    reservation.settle(
        ending, upstream.usage(), Produced.atLeast(upstream.producedAtLeast()), status, errorCode);
  }
}
