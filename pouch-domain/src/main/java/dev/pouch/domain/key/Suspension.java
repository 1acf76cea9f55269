package dev.pouch.domain.key;

import java.time.Instant;
import java.util.Objects;

/**
 * Why and since when a key is stopped (by a spend guard) until an admin resumes it.
 *
 * @param at when the key was suspended
 * @param reason shown to admins, for example which limit tripped
 */
public record Suspension(Instant at, String reason) {
  /** Longest reason kept; a plugin's message must not bloat the key row. */
  public static final int MAX_REASON_LENGTH = 500;

  public Suspension {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(reason, "reason");
    if (reason.length() > MAX_REASON_LENGTH) {
      reason = reason.substring(0, MAX_REASON_LENGTH);
    }
  }
}
