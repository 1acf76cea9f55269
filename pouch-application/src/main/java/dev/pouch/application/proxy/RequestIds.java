package dev.pouch.application.proxy;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Pouch's request ids: {@code req_}, the time in milliseconds (12 hex digits), then 64 random bits.
 * Ids that grow with time land at the end of the indexes that hold them (reservations, request
 * log), where a random id dirtied a random index page per request in every group commit.
 */
public final class RequestIds {
  private static final HexFormat HEX = HexFormat.of();
  private final Clock clock;

  public RequestIds(Clock clock) {
    this.clock = clock;
  }

  /** A new id. */
  public String next() {
    return "req_"
        + HEX.toHexDigits(clock.millis()).substring(4)
        + HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
  }
}
