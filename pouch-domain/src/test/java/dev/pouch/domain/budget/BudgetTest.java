package dev.pouch.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetTest {
  private static final Instant START = Instant.parse("2025-03-01T00:00:00Z");
  private static final long HOUR = 3_600;

  @Test
  void aLatePeriodStartAlignsToWholePeriodsAfterTheCurrentStart() {
    Budget hourly = new Budget(1_000, 0, 0, START, HOUR);

    Instant twoAndAHalfHoursLater = START.plus(Duration.ofMinutes(150));

    assertThat(hourly.periodStartAt(twoAndAHalfHoursLater)).isEqualTo(START.plusSeconds(2 * HOUR));
  }

  @Test
  void aPeriodEndsExactlyAtItsLength() {
    Budget hourly = new Budget(1_000, 0, 0, START, HOUR);

    assertThat(hourly.periodStartAt(START.plusSeconds(HOUR - 1))).isEqualTo(START);
    assertThat(hourly.periodElapsedAt(START.plusSeconds(HOUR - 1))).isFalse();
    assertThat(hourly.periodStartAt(START.plusSeconds(HOUR))).isEqualTo(START.plusSeconds(HOUR));
    assertThat(hourly.periodElapsedAt(START.plusSeconds(HOUR))).isTrue();
  }

  @Test
  void aBudgetThatNeverResetsKeepsItsPeriodForever() {
    Budget forever = new Budget(1_000, 0, 0, START, 0);
    Instant muchLater = START.plus(Duration.ofDays(3_650));

    assertThat(forever.resets()).isFalse();
    assertThat(forever.periodStartAt(muchLater)).isEqualTo(START);
    assertThat(forever.periodElapsedAt(muchLater)).isFalse();
    assertThat(forever.nextResetAt()).isNull();
  }

  @Test
  void aClockBeforeThePeriodStartDoesNotMoveThePeriod() {
    Budget hourly = new Budget(1_000, 0, 0, START, HOUR);

    assertThat(hourly.periodStartAt(START.minusSeconds(10 * HOUR))).isEqualTo(START);
    assertThat(hourly.periodElapsedAt(START.minusSeconds(10 * HOUR))).isFalse();
  }

  @Test
  void theNextResetIsOnePeriodAfterTheStart() {
    assertThat(new Budget(1, 0, 0, START, HOUR).nextResetAt()).isEqualTo(START.plusSeconds(HOUR));
  }

  @Test
  void aPeriodTooLongForInstantsRangeNeitherOverflowsNorEverElapses() {
    Budget endless = new Budget(1, 0, 0, START, Long.MAX_VALUE);
    Instant muchLater = START.plus(Duration.ofDays(365_250_000));

    assertThat(endless.periodStartAt(muchLater)).isEqualTo(START);
    assertThat(endless.periodElapsedAt(muchLater)).isFalse();
    assertThat(endless.nextResetAt()).isEqualTo(Instant.MAX);
  }

  @Test
  void theLongestSettablePeriodIsAHundredYears() {
    Budget century = new Budget(1, 0, 0, START, Budget.MAX_RESET_PERIOD_SECONDS);

    assertThat(Duration.ofSeconds(Budget.MAX_RESET_PERIOD_SECONDS))
        .isEqualTo(Duration.ofDays(100 * 365 + 25));
    assertThat(century.nextResetAt()).isEqualTo(Instant.parse("2125-03-02T00:00:00Z"));
    assertThat(century.periodStartAt(Instant.parse("2125-03-02T00:00:00Z")))
        .isEqualTo(century.nextResetAt());
  }

  @Test
  void headroomIsTheLimitLessSpentAndReserved() {
    Budget budget = new Budget(1_000, 300, 200, START, 0);

    assertThat(budget.usedMicros()).isEqualTo(500);
    assertThat(budget.headroomMicros()).isEqualTo(1_000 - 300 - 200);
  }

  @Test
  void headroomIsNeverNegativeWhenSpendWentPastALoweredLimit() {
    Budget overdrawn = new Budget(1_000, 900, 400, START, 0);

    assertThat(overdrawn.headroomMicros()).isZero();
  }

  @Test
  void aZeroLimitIsUnlimited() {
    Budget unlimited = new Budget(0, 123_456_789, 42, START, 0);

    assertThat(unlimited.isUnlimited()).isTrue();
    assertThat(unlimited.headroomMicros()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void negativeAmountsAreRefused() {
    assertThatThrownBy(() -> new Budget(-1, 0, 0, START, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Budget(0, -1, 0, START, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Budget(0, 0, -1, START, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Budget(0, 0, 0, START, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
