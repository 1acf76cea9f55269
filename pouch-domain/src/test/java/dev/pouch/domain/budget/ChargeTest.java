package dev.pouch.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ModelInfo;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The charge of a settlement (FINANCIAL_SAFETY.md G6, G11): expected values are plain arithmetic at
 * 1 µ$ per prompt token and 2 µ$ per output token, never taken from the code under test.
 */
class ChargeTest {
  private static final ModelInfo MODEL =
      new ModelInfo("m", ModelPrice.of(1_000_000, 2_000_000), 128_000, 4_096);
  private static final long PROMPT_BOUND = 100;
  private static final long CAP = 50;
  private static final long MARGIN = 16;

  /** A plan for a prompt of at most 100 tokens and 50 output tokens plus a margin of 16. */
  private static final ReservationPlan PLAN =
      new ReservationPlan(PROMPT_BOUND, CAP, 1, false, 100 + 2 * (CAP + MARGIN), CAP + MARGIN);

  private static final long RESERVED = PLAN.amountMicros(); // 232

  private static Charge decide(Ending ending, Usage usage, long producedAtLeast) {
    return Charge.decide(
        ending, usage, Produced.atLeast(producedAtLeast), 7, PLAN, RESERVED, MODEL);
  }

  private static Usage reported(long prompt, long cached, long completion) {
    return new Usage(prompt, cached, completion, UsageSource.REPORTED);
  }

  @Test
  void aRequestTheUpstreamDidNotProcessCostsNothing() {
    Charge charge = decide(Ending.NOT_PROCESSED, reported(80, 0, 30), 30);

    assertThat(charge.actualMicros()).isZero();
    assertThat(charge.basis()).isEqualTo(SettlementBasis.REFUNDED);
  }

  @Test
  void plausibleReportedUsageIsChargedAsReported() {
    Charge charge = decide(Ending.COMPLETED, reported(80, 0, 30), 30);

    assertThat(charge.actualMicros()).isEqualTo(80 + 2 * 30);
    assertThat(charge.basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
  }

  @Test
  void cachedPromptTokensArePricedAtTheCachedRate() {
    ModelInfo cachedHalf =
        new ModelInfo("m", new ModelPrice(1_000_000, 500_000, 2_000_000), 128_000, 4_096);

    Charge charge =
        Charge.decide(
            Ending.COMPLETED,
            reported(80, 40, 30),
            Produced.atLeast(30),
            7,
            PLAN,
            RESERVED,
            cachedHalf);

    assertThat(charge.actualMicros()).isEqualTo(40 + 20 + 60);
  }

  @Test
  void reportedOutputBelowWhatWasRelayedIsChargedAsRelayed() {
    Charge charge = decide(Ending.COMPLETED, reported(80, 0, 1), 40);

    assertThat(charge.completionTokens()).isEqualTo(40);
    assertThat(charge.actualMicros()).isEqualTo(80 + 2 * 40);
  }

  @Test
  void usageThatCannotBeTrueIsChargedTheReservationAndFlagged() {
    Usage[] impossible = {
      reported(80, 81, 30), // more cached than the prompt
      reported(PROMPT_BOUND + 1, 0, 30), // a prompt above its bound
      reported(6, 0, 30), // a prompt below its floor of 7
      reported(80, 0, CAP + MARGIN + 1), // more output than the reservation pays for
      reported(80, 0, Long.MAX_VALUE), // a malformed count
      reported(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE)
    };
    for (Usage usage : impossible) {
      for (Ending ending : new Ending[] {Ending.COMPLETED, Ending.INTERRUPTED, Ending.CAPPED}) {
        Charge charge = decide(ending, usage, 10);

        assertThat(charge.basis())
            .as("%s %s", usage, ending)
            .isEqualTo(SettlementBasis.IMPLAUSIBLE_USAGE);
        assertThat(charge.actualMicros()).as("%s %s", usage, ending).isEqualTo(RESERVED);
      }
    }
  }

  @Test
  void outputReportedUpToEveryTokenTheReservationPaysForIsPlausible() {
    Charge charge = decide(Ending.COMPLETED, reported(PROMPT_BOUND, 0, CAP + MARGIN), 0);

    assertThat(charge.basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
    assertThat(charge.actualMicros()).isEqualTo(RESERVED);
  }

  @Test
  void withoutReportedUsageACompletedAnswerIsChargedPouchsCount() {
    Charge charge = decide(Ending.COMPLETED, new Usage(90, 0, 20, UsageSource.COUNTED), 18);

    assertThat(charge.basis()).isEqualTo(SettlementBasis.COUNTED);
    assertThat(charge.actualMicros()).isEqualTo(90 + 2 * 20);
  }

  @Test
  void withoutReportedUsageAnInterruptedOrCutAnswerIsChargedItsFullReservation() {
    Usage counted = new Usage(90, 0, 20, UsageSource.COUNTED);

    assertThat(decide(Ending.INTERRUPTED, counted, 20).actualMicros()).isEqualTo(RESERVED);
    assertThat(decide(Ending.INTERRUPTED, counted, 20).basis())
        .isEqualTo(SettlementBasis.FULL_RESERVATION);
    assertThat(decide(Ending.CAPPED, counted, CAP + 1).actualMicros()).isEqualTo(RESERVED);
    assertThat(decide(Ending.CAPPED, counted, CAP + 1).basis()).isEqualTo(SettlementBasis.CAPPED);
    assertThat(decide(Ending.COMPLETED, Usage.UNKNOWN, 0).actualMicros()).isEqualTo(RESERVED);
  }

  @Test
  void aCountAboveTheReservationOfAnAnswerThatDidNotCompleteIsChargedOnlyTheReservation() {
    // a count with a guessed tokenizer (bytes for an unknown model) errs high: it may decide the
    // charge of a completed answer, never push an interrupted one above what was reserved
    Usage countedHigh = new Usage(90, 0, 4 * (CAP + MARGIN), UsageSource.COUNTED);

    Charge interrupted = decide(Ending.INTERRUPTED, countedHigh, 30);
    Charge cut = decide(Ending.CAPPED, countedHigh, CAP + 1);

    assertThat(interrupted.actualMicros()).isEqualTo(RESERVED);
    assertThat(interrupted.completionTokens()).isEqualTo(30);
    assertThat(cut.actualMicros()).isEqualTo(RESERVED);
  }

  @Test
  void outputRelayedBeyondWhatTheReservationPaysForIsChargedAsAnOverrun() {
    long relayed = CAP + MARGIN + 100;

    Charge charge = decide(Ending.CAPPED, Usage.UNKNOWN, relayed);

    assertThat(charge.actualMicros()).isEqualTo(PROMPT_BOUND + 2 * relayed).isGreaterThan(RESERVED);
  }

  @Test
  void aCancelledStreamIsChargedThePromptBoundAndItsOutputBound() {
    Charge charge =
        Charge.decide(
            Ending.CLIENT_CLOSED, Usage.UNKNOWN, new Produced(3, 20), 7, PLAN, RESERVED, MODEL);

    assertThat(charge.actualMicros()).isEqualTo(PROMPT_BOUND + 2 * 20);
    assertThat(charge.basis()).isEqualTo(SettlementBasis.CLIENT_CLOSED);
    assertThat(charge.completionTokens()).isEqualTo(20);
  }

  @Test
  void aCancelledStreamWithoutAnUpperBoundOrBeyondTheReservationIsChargedInFull() {
    Charge unbounded = decide(Ending.CLIENT_CLOSED, Usage.UNKNOWN, 3);
    Charge beyond =
        Charge.decide(
            Ending.CLIENT_CLOSED, Usage.UNKNOWN, new Produced(3, 5_000), 7, PLAN, RESERVED, MODEL);

    assertThat(unbounded.actualMicros()).isEqualTo(RESERVED);
    assertThat(unbounded.basis()).isEqualTo(SettlementBasis.FULL_RESERVATION);
    assertThat(beyond.actualMicros()).isEqualTo(RESERVED);
  }

  @Test
  void aCancelledStreamWithReportedUsageIsChargedItsUsage() {
    Charge charge =
        Charge.decide(
            Ending.CLIENT_CLOSED,
            reported(80, 0, 30),
            new Produced(3, 20),
            7,
            PLAN,
            RESERVED,
            MODEL);

    assertThat(charge.actualMicros()).isEqualTo(80 + 2 * 30);
    assertThat(charge.basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
  }

  /**
   * Whatever the usage, the ending and the lower bound: the decision never fails, a refund costs
   * nothing, anything else costs at least Pouch's own lower bound of the output, and no charge
   * exceeds the reservation unless Pouch itself relayed (or counted) more output than it pays for.
   */
  @Test
  void anyUsageGetsATotalChargeThatNeverUnderCountsWhatWasRelayed() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    long[] counts = {0, 1, 6, 7, 50, 66, 67, 99, 100, 101, 1L << 40, 1L << 62, Long.MAX_VALUE};
    for (int i = 0; i < 20_000; i++) {
      long prompt = counts[random.nextInt(counts.length)];
      long cached = counts[random.nextInt(counts.length)];
      long completion = counts[random.nextInt(counts.length)];
      UsageSource source = UsageSource.values()[random.nextInt(3)];
      Usage usage =
          source == UsageSource.UNKNOWN
              ? Usage.UNKNOWN
              : new Usage(prompt, cached, completion, source);
      Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
      long relayed = random.nextInt(200);
      long atMost = random.nextBoolean() ? Long.MAX_VALUE : relayed + random.nextInt(200);
      String scenario =
          "seed " + seed + ": " + usage + " " + ending + " relayed " + relayed + ".." + atMost;

      Charge charge =
          Charge.decide(ending, usage, new Produced(relayed, atMost), 7, PLAN, RESERVED, MODEL);

      if (ending == Ending.NOT_PROCESSED) {
        assertThat(charge.actualMicros()).as(scenario).isZero();
        continue;
      }
      assertThat(charge.actualMicros()).as(scenario).isGreaterThanOrEqualTo(2 * relayed);
      assertThat(charge.completionTokens()).as(scenario).isGreaterThanOrEqualTo(relayed);
      if (source != UsageSource.COUNTED) { // Pouch's own count may exceed it: it errs high
        assertThat(charge.actualMicros())
            .as(scenario)
            .isLessThanOrEqualTo(Math.max(RESERVED, PROMPT_BOUND + 2 * relayed));
      }
    }
  }
}
