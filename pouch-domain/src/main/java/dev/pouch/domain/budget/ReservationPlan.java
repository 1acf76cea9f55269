package dev.pouch.domain.budget;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.money.Micros;
import dev.pouch.domain.money.ModelPrice;

/**
 * The worst case of one request: how many output tokens it may produce and what that can cost at
 * most. Computed before a reservation; pure arithmetic.
 *
 * @param promptTokens upper bound of the prompt tokens the upstream can bill
 * @param maxOutputTokens output tokens per choice that the request is allowed (sent upstream)
 * @param choices number of choices ({@code n}); output is billed per choice
 * @param clamped whether Pouch chose {@code maxOutputTokens} (the client set no limit)
 * @param amountMicros the worst-case cost to reserve
 * @param billableOutputTokens every output token the reservation pays for: the cap of all choices,
 *     the overrun margin and output the upstream bills beyond {@code max_tokens} (a predicted
 *     output's rejected tokens). Reported usage above it cannot be true (see {@code
 *     UsagePlausibility})
 */
public record ReservationPlan(
    long promptTokens,
    long maxOutputTokens,
    int choices,
    boolean clamped,
    long amountMicros,
    long billableOutputTokens) {

  /** A worst case that does not fit in a long: no budget can hold it, so it cannot be priced. */
  private static final Affordability BEYOND_ANY_BUDGET =
      refused(
          ErrorCode.INVALID_REQUEST,
          "This request's worst case cannot be priced: it is beyond any budget. Lower max_tokens"
              + " or the prompt.");

  /**
   * Plans a request whose output is all limited by {@code max_tokens}; see {@link #plan(ModelPrice,
   * long, Long, int, long, Budget, long, long, long)}.
   */
  public static ReservationPlan plan(
      ModelPrice price,
      long promptTokens,
      Long requestedOutputTokens,
      int choices,
      long modelMaxOutput,
      Budget budget,
      long minUsefulOutput,
      long overrunMargin) {
    return plan(
        price,
        promptTokens,
        requestedOutputTokens,
        choices,
        modelMaxOutput,
        budget,
        minUsefulOutput,
        overrunMargin,
        0);
  }

  /**
   * Plans a request.
   *
   * @param price the model's price
   * @param promptTokens upper bound of billable prompt tokens
   * @param requestedOutputTokens the client's {@code max_tokens}, or {@code null} when absent
   * @param choices the client's {@code n} (1 when absent)
   * @param modelMaxOutput the model's output limit per choice
   * @param budget the key's budget as last read (for clamping only: the store decides)
   * @param minUsefulOutput the smallest clamped answer worth serving
   * @param overrunMargin output tokens reserved on top of the cap, so that an upstream that ignores
   *     {@code max_tokens} can be cut one chunk past the cap without the charge exceeding the
   *     reservation
   * @param uncappedOutput output tokens the upstream may bill that {@code max_tokens} does not
   *     limit (a predicted output's rejected tokens); reserved on top of everything else
   * @throws RequestRejectedException {@code BUDGET_EXCEEDED} when not even a minimal answer fits;
   *     {@code INVALID_REQUEST} when the worst case is beyond any budget (it cannot be priced)
   */
  public static ReservationPlan plan(
      ModelPrice price,
      long promptTokens,
      Long requestedOutputTokens,
      int choices,
      long modelMaxOutput,
      Budget budget,
      long minUsefulOutput,
      long overrunMargin,
      long uncappedOutput) {
    Affordability quote =
        quote(
            price,
            promptTokens,
            requestedOutputTokens,
            choices,
            modelMaxOutput,
            budget,
            minUsefulOutput,
            overrunMargin,
            uncappedOutput);
    if (quote instanceof Affordability.Unaffordable refused) {
      Refusal refusal = refused.refusal();
      throw new RequestRejectedException(refusal.code(), refusal.message(), refusal.param());
    }
    return ((Affordability.Affordable) quote).plan();
  }

  /**
   * Plans a request against its budget, as {@link #plan(ModelPrice, long, Long, int, long, Budget,
   * long, long, long)} does, with the refusal as a value: {@code BUDGET_EXCEEDED} when not even a
   * minimal answer fits, {@code INVALID_REQUEST} when the worst case is beyond any budget.
   */
  public static Affordability quote(
      ModelPrice price,
      long promptTokens,
      Long requestedOutputTokens,
      int choices,
      long modelMaxOutput,
      Budget budget,
      long minUsefulOutput,
      long overrunMargin,
      long uncappedOutput) {
    if (choices < 1) {
      throw new IllegalArgumentException("choices must be at least 1");
    }
    if (uncappedOutput < 0 || overrunMargin < 0) {
      throw new IllegalArgumentException("output allowances cannot be negative");
    }
    long allowance = saturatedAdd(overrunMargin, uncappedOutput);
    if (requestedOutputTokens != null) {
      long output = Math.min(requestedOutputTokens, modelMaxOutput);
      long billable = totalOutput(output, choices, allowance);
      long amount = price.worstCase(promptTokens, billable);
      if (amount == ModelPrice.BEYOND_ANY_BUDGET) {
        return BEYOND_ANY_BUDGET;
      }
      if (!budget.isUnlimited() && amount > budget.headroomMicros()) {
        return exceeded(budget, amount);
      }
      return new Affordability.Affordable(
          new ReservationPlan(promptTokens, output, choices, false, amount, billable));
    }
    long affordable =
        budget.isUnlimited()
            ? Long.MAX_VALUE
            : Math.max(
                    0,
                    price.affordableOutputTokens(promptTokens, budget.headroomMicros()) - allowance)
                / choices;
    long output = Math.min(affordable, modelMaxOutput);
    long minimum = Math.min(minUsefulOutput, modelMaxOutput);
    if (output < minimum) {
      return exceeded(
          budget, price.worstCase(promptTokens, totalOutput(minimum, choices, allowance)));
    }
    long billable = totalOutput(output, choices, allowance);
    long amount = price.worstCase(promptTokens, billable);
    if (amount == ModelPrice.BEYOND_ANY_BUDGET) {
      return BEYOND_ANY_BUDGET;
    }
    return new Affordability.Affordable(
        new ReservationPlan(promptTokens, output, choices, true, amount, billable));
  }

  /** Output tokens of all choices together that Pouch lets the upstream produce. */
  public long outputCap() {
    return Math.multiplyExact(maxOutputTokens, (long) choices);
  }

  private static long totalOutput(long perChoice, int choices, long allowance) {
    long total;
    try {
      total = Math.multiplyExact(perChoice, (long) choices);
    } catch (ArithmeticException tooMany) {
      return Long.MAX_VALUE;
    }
    return saturatedAdd(total, allowance);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static Affordability exceeded(Budget budget, long needed) {
    return refused(
        ErrorCode.BUDGET_EXCEEDED,
        "This key's budget cannot cover the request: it needs up to "
            + (needed == ModelPrice.BEYOND_ANY_BUDGET
                ? "more than any budget"
                : "$" + Micros.toUsdString(needed))
            + " and $"
            + Micros.toUsdString(budget.headroomMicros())
            + " remains in this period.");
  }

  private static Affordability refused(ErrorCode code, String message) {
    return new Affordability.Unaffordable(Refusal.of(code, message));
  }
}
