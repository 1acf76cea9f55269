package dev.pouch.application.proxy;

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
  private final Deque<byte[]> pending = new ArrayDeque<>(2);
  private volatile boolean ended;

  MeteredStream(UpstreamStream upstream, OpenReservation reservation, int status) {
    this.upstream = upstream;
    this.reservation = reservation;
    this.status = status;
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
      end();
      reservation.settleInterrupted(upstream.usage(), status, "upstream_error");
      pending.add(upstream.cutTrailer());
      return upstream.errorEvent("The upstream stream failed before it was complete.");
    }
    if (chunk == null) {
      end();
      reservation.settleCompleted(upstream.usage(), status);
      return null;
    }
    if (upstream.producedAtLeast() > reservation.outputCap()) {
      // The upstream ignores max_tokens: stop paying for it. The chunk past the cap is dropped.
      end();
      reservation.settleCapped(upstream.usage(), status);
      return upstream.cutTrailer();
    }
    return chunk;
  }

  @Override
  public void close() {
    if (!ended) {
      end();
      reservation.settleInterrupted(upstream.usage(), status, "client_closed");
    }
  }

  private void end() {
    ended = true;
    upstream.close();
  }
}
