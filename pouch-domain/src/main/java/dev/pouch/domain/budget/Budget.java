package dev.pouch.domain.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A key's budget for its current period.
 *
 * @param limitMicros spend allowed per period; 0 means unlimited
 * @param spentMicros settled spend in this period
 * @param reservedMicros sum of open reservations (in-flight worst cases)
 * @param periodStartedAt when the current period began
 * @param resetPeriodSeconds length of a period; 0 means the budget never resets
 */
public record Budget(
    long limitMicros,
    long spentMicros,
    long reservedMicros,
    Instant periodStartedAt,
    long resetPeriodSeconds) {

  /**
   * The longest period an admin may set: 100 years of 365.25 days. A budget that resets less often
   * is one that never resets (period 0); longer periods once overflowed time arithmetic.
   */
  public static final long MAX_RESET_PERIOD_SECONDS = 3_155_760_000L;

  public Budget {
    if (limitMicros < 0 || spentMicros < 0 || reservedMicros < 0 || resetPeriodSeconds < 0) {
      throw new IllegalArgumentException("budget amounts cannot be negative");
    }
    Objects.requireNonNull(periodStartedAt, "periodStartedAt");
  }

  public boolean isUnlimited() {
    return limitMicros == 0;
  }

  /** What the key has used as far as it can tell: settled plus in flight. */
  public long usedMicros() {
    return Math.addExact(spentMicros, reservedMicros);
  }

  /** What a new reservation may take; {@link Long#MAX_VALUE} when unlimited, never negative. */
  public long headroomMicros() {
    return isUnlimited() ? Long.MAX_VALUE : Math.max(0, limitMicros - usedMicros());
  }

  public boolean resets() {
    return resetPeriodSeconds > 0;
  }

  /**
   * The start of the period that contains {@code now}: the current start moved forward by whole
   * periods, so periods stay aligned however late the reset happens. Equal to {@link
   * #periodStartedAt()} when no period has elapsed or the budget never resets.
   */
  public Instant periodStartAt(Instant now) {
    if (!resets() || now.isBefore(periodStartedAt)) {
      return periodStartedAt;
    }
    long elapsed = Duration.between(periodStartedAt, now).getSeconds();
    long periods = elapsed / resetPeriodSeconds;
    // periods × length ≤ elapsed: no overflow, whatever the length.
    return periodStartedAt.plusSeconds(Math.multiplyExact(periods, resetPeriodSeconds));
  }

  /** Whether the current period is over at {@code now}. */
  public boolean periodElapsedAt(Instant now) {
    return !periodStartAt(now).equals(periodStartedAt);
  }

  /**
   * When the next reset is due, or {@code null} when the budget never resets; {@link Instant#MAX}
   * for a stored period that would end beyond it (longer than {@link #MAX_RESET_PERIOD_SECONDS}).
   */
  public Instant nextResetAt() {
    if (!resets()) {
      return null;
    }
    long secondsLeftInRange = Instant.MAX.getEpochSecond() - periodStartedAt.getEpochSecond();
    return resetPeriodSeconds > secondsLeftInRange
        ? Instant.MAX
        : periodStartedAt.plusSeconds(resetPeriodSeconds);
  }
}
