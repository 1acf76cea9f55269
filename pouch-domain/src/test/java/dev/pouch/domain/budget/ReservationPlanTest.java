package dev.pouch.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.money.Micros;
import dev.pouch.domain.money.ModelPrice;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ReservationPlanTest {
  /** Micro-dollars per prompt token. */
  private static final long IN = 1;

  /** Micro-dollars per output token. */
  private static final long OUT = 2;

  private static final ModelPrice PRICE =
      ModelPrice.of(IN * Micros.TOKENS_PER_PRICE_UNIT, OUT * Micros.TOKENS_PER_PRICE_UNIT);
  private static final long PROMPT = 100;
  private static final long MODEL_MAX = 4_096;
  private static final long MIN_USEFUL = 16;
  private static final long MARGIN = 16;
  private static final Instant START = Instant.parse("2025-03-01T00:00:00Z");

  @Test
  void explicitMaxTokensReservesThePromptEveryChoiceAndTheMargin() {
    ReservationPlan plan = plan(50L, 3, headroom(1_000_000));

    assertThat(plan.clamped()).isFalse();
    assertThat(plan.maxOutputTokens()).isEqualTo(50);
    assertThat(plan.choices()).isEqualTo(3);
    assertThat(plan.outputCap()).isEqualTo(150);
    assertThat(plan.billableOutputTokens()).isEqualTo(50 * 3 + MARGIN);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (50 * 3 + MARGIN) * OUT);
  }

  @Test
  void explicitMaxTokensThatExactlyFitAreReserved() {
    long needed = PROMPT * IN + (50 + MARGIN) * OUT;

    assertThat(plan(50L, 1, headroom(needed)).amountMicros()).isEqualTo(needed);
  }

  @Test
  void explicitMaxTokensOneMicroBeyondTheHeadroomAreRefusedWithBudgetExceeded() {
    long needed = PROMPT * IN + (50 + MARGIN) * OUT;

    RequestRejectedException refused =
        catchThrowableOfType(
            RequestRejectedException.class, () -> plan(50L, 1, headroom(needed - 1)));

    assertThat(refused.code()).isEqualTo(ErrorCode.BUDGET_EXCEEDED);
  }

  @Test
  void explicitMaxTokensAboveTheModelLimitAreReservedAtTheModelLimit() {
    ReservationPlan plan = plan(MODEL_MAX * 10, 1, headroom(1_000_000));

    assertThat(plan.maxOutputTokens()).isEqualTo(MODEL_MAX);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (MODEL_MAX + MARGIN) * OUT);
  }

  @Test
  void explicitMaxTokensOnAnUnlimitedBudgetAreNeverRefused() {
    ReservationPlan plan = plan(MODEL_MAX, 128, unlimited());

    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (MODEL_MAX * 128 + MARGIN) * OUT);
  }

  @Test
  void clampedRequestGetsTheLargestOutputTheHeadroomPaysForWithTheMargin() {
    long headroom = 1_000;

    ReservationPlan plan = plan(null, 1, headroom(headroom));

    long expected = (headroom - PROMPT * IN) / OUT - MARGIN;
    assertThat(plan.clamped()).isTrue();
    assertThat(plan.maxOutputTokens()).isEqualTo(expected);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (expected + MARGIN) * OUT);
    assertThat(plan.amountMicros()).isLessThanOrEqualTo(headroom);
  }

  @Test
  void clampedRequestSeesOnlyTheHeadroomLeftBySpendAndReservations() {
    Budget budget = new Budget(10_000, 6_000, 3_000, START, 0);

    ReservationPlan plan = plan(null, 1, budget);

    assertThat(plan.maxOutputTokens()).isEqualTo((1_000 - PROMPT * IN) / OUT - MARGIN);
  }

  @Test
  void clampedOutputIsCappedByTheModelLimit() {
    ReservationPlan plan = plan(null, 1, headroom(1_000_000));

    assertThat(plan.maxOutputTokens()).isEqualTo(MODEL_MAX);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (MODEL_MAX + MARGIN) * OUT);
  }

  @Test
  void clampedRequestOnANearlyExhaustedBudgetStillGetsAShortAnswer() {
    long headroom = PROMPT * IN + (MIN_USEFUL + MARGIN) * OUT;

    ReservationPlan plan = plan(null, 1, headroom(headroom));

    assertThat(plan.maxOutputTokens()).isEqualTo(MIN_USEFUL);
    assertThat(plan.amountMicros()).isEqualTo(headroom);
  }

  @Test
  void clampedRequestBelowTheMinimumUsefulAnswerIsRefused() {
    long headroom = PROMPT * IN + (MIN_USEFUL + MARGIN) * OUT - 1;

    assertThatThrownBy(() -> plan(null, 1, headroom(headroom)))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.BUDGET_EXCEEDED));
  }

  @Test
  void clampedRequestWhosePromptAloneDoesNotFitIsRefused() {
    assertThatThrownBy(() -> plan(null, 1, headroom(PROMPT * IN - 1)))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.BUDGET_EXCEEDED));
  }

  @Test
  void clampedRequestOnAnExhaustedBudgetIsRefused() {
    assertThatThrownBy(() -> plan(null, 1, new Budget(1_000, 1_000, 0, START, 0)))
        .isInstanceOf(RequestRejectedException.class);
  }

  @Test
  void aModelWhoseLimitIsBelowTheMinimumIsServedUpToItsLimit() {
    ReservationPlan plan =
        ReservationPlan.plan(PRICE, PROMPT, null, 1, 8, headroom(1_000_000), MIN_USEFUL, MARGIN);

    assertThat(plan.maxOutputTokens()).isEqualTo(8);
  }

  @Test
  void clampedRequestOnAnUnlimitedBudgetGetsTheModelLimit() {
    ReservationPlan plan = plan(null, 2, unlimited());

    assertThat(plan.clamped()).isTrue();
    assertThat(plan.maxOutputTokens()).isEqualTo(MODEL_MAX);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (MODEL_MAX * 2 + MARGIN) * OUT);
  }

  @Test
  void clampedRequestWithSeveralChoicesSplitsTheAffordableOutputBetweenThem() {
    long headroom = 1_000;
    int choices = 4;

    ReservationPlan plan = plan(null, choices, headroom(headroom));

    long perChoice = ((headroom - PROMPT * IN) / OUT - MARGIN) / choices;
    assertThat(plan.maxOutputTokens()).isEqualTo(perChoice);
    assertThat(plan.outputCap()).isEqualTo(perChoice * choices);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (perChoice * choices + MARGIN) * OUT);
    assertThat(plan.amountMicros()).isLessThanOrEqualTo(headroom);
  }

  @Test
  void freeOutputIsClampedToTheModelLimitOnly() {
    ModelPrice freeOutput = ModelPrice.of(IN * Micros.TOKENS_PER_PRICE_UNIT, 0);

    ReservationPlan plan =
        ReservationPlan.plan(freeOutput, PROMPT, null, 1, MODEL_MAX, headroom(PROMPT), 1, MARGIN);

    assertThat(plan.maxOutputTokens()).isEqualTo(MODEL_MAX);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN);
  }

  @Test
  void lessThanOneChoiceIsABug() {
    assertThatThrownBy(() -> plan(10L, 0, unlimited()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void uncappedOutputIsReservedOnTopOfEveryChoiceAndTheMargin() {
    long uncapped = 200; // say, a prediction whose rejected tokens are billed beyond max_tokens

    ReservationPlan plan = plan(50L, 3, headroom(1_000_000), uncapped);

    assertThat(plan.maxOutputTokens()).isEqualTo(50);
    assertThat(plan.outputCap()).as("the cap sent upstream ignores it").isEqualTo(150);
    assertThat(plan.billableOutputTokens()).isEqualTo(50 * 3 + MARGIN + uncapped);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (50 * 3 + MARGIN + uncapped) * OUT);
  }

  @Test
  void explicitMaxTokensWhoseUncappedOutputDoesNotFitAreRefusedWithBudgetExceeded() {
    long uncapped = 100;
    long needed = PROMPT * IN + (50 + MARGIN + uncapped) * OUT;

    RequestRejectedException refused =
        catchThrowableOfType(
            RequestRejectedException.class, () -> plan(50L, 1, headroom(needed - 1), uncapped));

    assertThat(plan(50L, 1, headroom(needed), uncapped).amountMicros()).isEqualTo(needed);
    assertThat(refused.code()).isEqualTo(ErrorCode.BUDGET_EXCEEDED);
  }

  @Test
  void clampingSubtractsTheUncappedOutputFromWhatTheHeadroomPaysFor() {
    long headroom = 1_000;
    long uncapped = 100;

    ReservationPlan plan = plan(null, 1, headroom(headroom), uncapped);

    // (1,000 - 100 for the prompt) / 2 per token = 450 tokens, less the margin and the uncapped
    long expected = 450 - MARGIN - uncapped;
    assertThat(plan.clamped()).isTrue();
    assertThat(plan.maxOutputTokens()).isEqualTo(expected);
    assertThat(plan.billableOutputTokens()).isEqualTo(expected + MARGIN + uncapped);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (expected + MARGIN + uncapped) * OUT);
    assertThat(plan.amountMicros()).isLessThanOrEqualTo(headroom);
  }

  @Test
  void clampingSplitsWhatIsLeftAfterTheUncappedOutputBetweenTheChoices() {
    long uncapped = 100;

    ReservationPlan plan = plan(null, 4, headroom(1_000), uncapped);

    long perChoice = (450 - MARGIN - uncapped) / 4;
    assertThat(plan.maxOutputTokens()).isEqualTo(perChoice);
    assertThat(plan.billableOutputTokens()).isEqualTo(perChoice * 4 + MARGIN + uncapped);
  }

  @Test
  void uncappedOutputThatLeavesNoRoomForAMinimalAnswerIsRefused() {
    long uncapped = 100;
    long headroom = PROMPT * IN + (MIN_USEFUL + MARGIN + uncapped) * OUT;

    RequestRejectedException refused =
        catchThrowableOfType(
            RequestRejectedException.class, () -> plan(null, 1, headroom(headroom - 1), uncapped));

    assertThat(plan(null, 1, headroom(headroom), uncapped).maxOutputTokens()).isEqualTo(MIN_USEFUL);
    assertThat(refused.code()).isEqualTo(ErrorCode.BUDGET_EXCEEDED);
  }

  @Test
  void uncappedOutputOnAnUnlimitedBudgetIsReservedToo() {
    ReservationPlan plan = plan(null, 1, unlimited(), 300);

    assertThat(plan.maxOutputTokens()).isEqualTo(MODEL_MAX);
    assertThat(plan.amountMicros()).isEqualTo(PROMPT * IN + (MODEL_MAX + MARGIN + 300) * OUT);
  }

  @Test
  void negativeOutputAllowancesAreABug() {
    assertThatThrownBy(() -> plan(10L, 1, unlimited(), -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                ReservationPlan.plan(
                    PRICE, PROMPT, 10L, 1, MODEL_MAX, unlimited(), MIN_USEFUL, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A worst case of more than Long.MAX_VALUE micro-dollars ({@link ModelPrice#BEYOND_ANY_BUDGET})
   * cannot be reserved: refused as an invalid request, on an unlimited budget too, never wrapped or
   * capped. Each case below is beyond a long by the oracle's exact arithmetic.
   */
  @Test
  void aWorstCaseBeyondALongIsRefusedAsInvalidEvenOnAnUnlimitedBudget() {
    long hugePrompt = Long.MAX_VALUE; // 1 micro-dollar a token: Long.MAX_VALUE with no output
    long hugePrediction = Long.MAX_VALUE / 2 + 1; // 2 micro-dollars a token: just past a long
    BigInteger beyond = BigInteger.valueOf(Long.MAX_VALUE);
    assertThat(worstCase(PRICE, hugePrompt, MIN_USEFUL + MARGIN)).isGreaterThan(beyond);
    assertThat(worstCase(PRICE, PROMPT, hugePrediction)).isGreaterThan(beyond);

    List<ThrowingCallable> plans =
        List.of(
            () -> planWithPrompt(hugePrompt, 50L, 0),
            () -> planWithPrompt(hugePrompt, null, 0),
            () -> planWithPrompt(PROMPT, 50L, hugePrediction),
            () -> planWithPrompt(PROMPT, null, hugePrediction),
            () -> planWithPrompt(PROMPT, 50L, Long.MAX_VALUE));
    for (ThrowingCallable plan : plans) {
      assertThatThrownBy(plan)
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
  }

  /**
   * For random prices, prompts, budgets and uncapped output: a clamped plan never reserves more
   * than the headroom, takes the largest output per choice that fits (or the model's limit), and is
   * refused only when the minimal answer really does not fit. The worst case is computed here in
   * exact arithmetic ({@link #worstCase}), not by {@link ModelPrice}.
   */
  @Test
  void clampedPlansAlwaysFitTheHeadroomAndAreTheLargestThatDo() {
    Random random = new Random(7L);
    int served = 0;
    for (int i = 0; i < 5_000; i++) {
      ModelPrice price = ModelPrice.of(random.nextInt(5_000_000), 1 + random.nextInt(30_000_000));
      long prompt = random.nextInt(50_000);
      long limit = 1 + random.nextInt(2_000_000);
      Budget budget =
          new Budget(limit, random.nextLong(limit + 1), random.nextLong(limit / 2 + 1), START, 0);
      int choices = 1 + random.nextInt(8);
      long modelMax = 1 + random.nextInt(8_192);
      long minUseful = 1 + random.nextInt(64);
      long margin = random.nextInt(64);
      long uncapped = random.nextBoolean() ? 0 : random.nextInt(2_000);
      long headroom = Math.max(0, limit - budget.spentMicros() - budget.reservedMicros());
      long minimum = Math.min(minUseful, modelMax);
      String scenario =
          price
              + " prompt="
              + prompt
              + " "
              + budget
              + " n="
              + choices
              + " max="
              + modelMax
              + " uncapped="
              + uncapped;

      ReservationPlan plan;
      try {
        plan =
            ReservationPlan.plan(
                price, prompt, null, choices, modelMax, budget, minUseful, margin, uncapped);
      } catch (RequestRejectedException refused) {
        assertThat(refused.code()).as(scenario).isEqualTo(ErrorCode.BUDGET_EXCEEDED);
        assertThat(worstCase(price, prompt, minimum * choices + margin + uncapped))
            .as(scenario)
            .isGreaterThan(BigInteger.valueOf(headroom));
        continue;
      }
      served++;
      long output = plan.maxOutputTokens();
      long billable = output * choices + margin + uncapped;
      assertThat(plan.billableOutputTokens()).as(scenario).isEqualTo(billable);
      assertThat(plan.amountMicros()).as(scenario).isLessThanOrEqualTo(headroom);
      assertThat(BigInteger.valueOf(plan.amountMicros()))
          .as(scenario)
          .isEqualTo(worstCase(price, prompt, billable));
      assertThat(output).as(scenario).isBetween(minimum, modelMax);
      if (output < modelMax) {
        assertThat(worstCase(price, prompt, (output + 1) * choices + margin + uncapped))
            .as(scenario)
            .isGreaterThan(BigInteger.valueOf(headroom));
      }
    }
    assertThat(served).as("the random cases exercise both outcomes").isBetween(500, 4_500);
  }

  /** Explicit plans are served exactly when their worst case fits the headroom. */
  @Test
  void explicitPlansAreServedExactlyWhenTheirWorstCaseFits() {
    Random random = new Random(11L);
    int served = 0;
    for (int i = 0; i < 3_000; i++) {
      ModelPrice price = ModelPrice.of(random.nextInt(5_000_000), random.nextInt(30_000_000));
      long prompt = random.nextInt(50_000);
      long requested = 1 + random.nextInt(10_000);
      int choices = 1 + random.nextInt(4);
      long modelMax = 1 + random.nextInt(8_192);
      long uncapped = random.nextBoolean() ? 0 : random.nextInt(2_000);
      Budget budget = new Budget(1 + random.nextInt(500_000), 0, 0, START, 0);
      long billable = Math.min(requested, modelMax) * choices + MARGIN + uncapped;
      BigInteger worstCase = worstCase(price, prompt, billable);
      String scenario =
          price + " prompt=" + prompt + " max_tokens=" + requested + " n=" + choices + " " + budget;

      if (worstCase.compareTo(BigInteger.valueOf(budget.limitMicros())) <= 0) {
        served++;
        ReservationPlan plan =
            ReservationPlan.plan(
                price, prompt, requested, choices, modelMax, budget, 1, MARGIN, uncapped);
        assertThat(BigInteger.valueOf(plan.amountMicros())).as(scenario).isEqualTo(worstCase);
        assertThat(plan.billableOutputTokens()).as(scenario).isEqualTo(billable);
      } else {
        assertThatThrownBy(
                () ->
                    ReservationPlan.plan(
                        price, prompt, requested, choices, modelMax, budget, 1, MARGIN, uncapped))
            .as(scenario)
            .isInstanceOfSatisfying(
                RequestRejectedException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.BUDGET_EXCEEDED));
      }
    }
    assertThat(served).as("the random cases exercise both outcomes").isBetween(300, 2_700);
  }

  /**
   * The oracle: ceil((prompt × input price + output × output price) / 1,000,000) micro-dollars,
   * prices being per million tokens, in exact arithmetic (no overflow, no rounding until the end).
   */
  private static BigInteger worstCase(ModelPrice price, long promptTokens, long outputTokens) {
    BigInteger scaled =
        BigInteger.valueOf(promptTokens)
            .multiply(BigInteger.valueOf(price.inputPerMTok()))
            .add(
                BigInteger.valueOf(outputTokens)
                    .multiply(BigInteger.valueOf(price.outputPerMTok())));
    BigInteger[] micros = scaled.divideAndRemainder(BigInteger.valueOf(1_000_000));
    return micros[1].signum() == 0 ? micros[0] : micros[0].add(BigInteger.ONE);
  }

  private static ReservationPlan plan(Long maxTokens, int choices, Budget budget) {
    return ReservationPlan.plan(
        PRICE, PROMPT, maxTokens, choices, MODEL_MAX, budget, MIN_USEFUL, MARGIN);
  }

  private static ReservationPlan plan(
      Long maxTokens, int choices, Budget budget, long uncappedOutput) {
    return ReservationPlan.plan(
        PRICE, PROMPT, maxTokens, choices, MODEL_MAX, budget, MIN_USEFUL, MARGIN, uncappedOutput);
  }

  /** One choice of a request with {@code promptTokens} on an unlimited budget. */
  private static ReservationPlan planWithPrompt(
      long promptTokens, Long maxTokens, long uncappedOutput) {
    return ReservationPlan.plan(
        PRICE,
        promptTokens,
        maxTokens,
        1,
        MODEL_MAX,
        unlimited(),
        MIN_USEFUL,
        MARGIN,
        uncappedOutput);
  }

  private static Budget headroom(long micros) {
    return new Budget(micros, 0, 0, START, 0);
  }

  private static Budget unlimited() {
    return new Budget(0, 0, 0, START, 0);
  }
}
