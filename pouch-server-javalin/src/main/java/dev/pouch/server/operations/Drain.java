package dev.pouch.server.operations;

import dev.pouch.domain.chain.ResponseStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxied requests in flight, for a graceful stop: once {@link #drain} begins, new requests are
 * refused (503), those in flight get the grace period to finish, and the streams still open after
 * it are cut and end with an error event.
 *
 * <p>A cut is a flag that the stream's own thread sees after its next chunk: it then stops, closes
 * the stream (which settles the reservation) and writes the error event. Closing a stream from
 * another thread is unsafe with some providers (OkHttp's sources are single-threaded), so it is
 * only the last resort for a stream whose upstream stays silent after the cut.
 */
public final class Drain {
  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  /** After the cut, how long the cut streams' threads get to notice it and end their stream. */
  private static final Duration AFTER_CUT = Duration.ofSeconds(3);

  private final Set<Flight> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  /** One proxied request in flight; closing it leaves the set. */
  public final class Flight implements AutoCloseable {
    private volatile ResponseStream stream;
    private volatile boolean cut;

    /** The response is a stream: it may be cut at the end of the grace period. */
    public void streaming(ResponseStream value) {
      this.stream = value;
    }

    /** Whether the stop cut this stream. */
    public boolean wasCut() {
      return cut;
    }

    private void cut() {
      cut = true;
    }

    /** Last resort for a silent upstream: closes the stream from the stopping thread. */
    private void forceClose() {
      ResponseStream current = stream;
      if (current == null) {
        return;
      }
      try {
        current.close();
      } catch (RuntimeException unsafe) {
        log.atWarn()
            .addKeyValue("reason", String.valueOf(unsafe))
            .log("closing a silent stream at stop failed; its reservation is recovered at start");
      }
    }

    @Override
    public void close() {
      inFlight.remove(this);
    }
  }

  /** Registers a request; call {@link Flight#close} when it is done. */
  public Flight enter() {
    Flight flight = new Flight();
    inFlight.add(flight);
    return flight;
  }

  boolean draining() {
    return draining;
  }

  /** Streams being copied to clients now. */
  public int activeStreams() {
    int count = 0;
    for (Flight flight : inFlight) {
      if (flight.stream != null) {
        count++;
      }
    }
    return count;
  }

  /**
   * Refuses new requests from now on, waits up to {@code grace} for those in flight, then cuts the
   * streams that remain and waits a little for their threads to end them. Returns how many were
   * cut.
   */
  public int drain(Duration grace) {
    draining = true;
    int waiting = inFlight.size();
    if (waiting > 0) {
      log.atInfo()
          .addKeyValue("in_flight", waiting)
          .addKeyValue("grace_seconds", grace.toSeconds())
          .log("stopping: waiting for requests in flight");
    }
    awaitEmpty(grace);
    int cut = 0;
    for (Flight flight : inFlight) {
      flight.cut();
      cut++;
    }
    if (cut > 0) {
      log.atWarn()
          .addKeyValue("requests", cut)
          .log("grace period over: cut the requests still in flight");
      awaitEmpty(AFTER_CUT);
      for (Flight silent : inFlight) {
        silent.forceClose();
      }
      awaitEmpty(AFTER_CUT);
    }
    return cut;
  }

  private void awaitEmpty(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!inFlight.isEmpty() && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
