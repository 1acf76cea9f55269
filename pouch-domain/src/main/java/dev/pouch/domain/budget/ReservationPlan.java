package dev.pouch.domain.budget;

import dev.pouch.domain.error.ErrorCode;
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
 */
public record ReservationPlan(
    long promptTokens, long maxOutputTokens, int choices, boolean clamped, long amountMicros) {

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
   * @throws RequestRejectedException {@code BUDGET_EXCEEDED} when not even a minimal answer fits
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
    if (choices < 1) {
      throw new IllegalArgumentException("choices must be at least 1");
    }
    if (requestedOutputTokens != null) {
      long output = Math.min(requestedOutputTokens, modelMaxOutput);
      long amount = price.worstCase(promptTokens, totalOutput(output, choices, overrunMargin));
      if (!budget.isUnlimited() && amount > budget.headroomMicros()) {
        throw exceeded(budget, amount);
      }
      return new ReservationPlan(promptTokens, output, choices, false, amount);
    }
    long affordable =
        budget.isUnlimited()
            ? Long.MAX_VALUE
            : Math.max(
                    0,
                    price.affordableOutputTokens(promptTokens, budget.headroomMicros())
                        - overrunMargin)
                / choices;
    long output = Math.min(affordable, modelMaxOutput);
    long minimum = Math.min(minUsefulOutput, modelMaxOutput);
    if (output < minimum) {
      throw exceeded(
          budget, price.worstCase(promptTokens, totalOutput(minimum, choices, overrunMargin)));
    }
    long amount = price.worstCase(promptTokens, totalOutput(output, choices, overrunMargin));
    return new ReservationPlan(promptTokens, output, choices, true, amount);
  }

  /** Output tokens of all choices together that Pouch lets the upstream produce. */
  public long outputCap() {
    return Math.multiplyExact(maxOutputTokens, (long) choices);
  }

  private static long totalOutput(long perChoice, int choices, long margin) {
    long total = Math.multiplyExact(perChoice, (long) choices);
    return total > Long.MAX_VALUE - margin ? Long.MAX_VALUE : total + margin;
  }

  private static RequestRejectedException exceeded(Budget budget, long needed) {
    return new RequestRejectedException(
        ErrorCode.BUDGET_EXCEEDED,
        "This key's budget cannot cover the request: it needs up to $"
            + Micros.toUsdString(needed)
            + " and $"
            + Micros.toUsdString(budget.headroomMicros())
            + " remains in this period.");
  }
}
