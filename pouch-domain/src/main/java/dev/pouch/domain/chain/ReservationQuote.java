package dev.pouch.domain.chain;

import dev.pouch.domain.budget.Budget;
import java.util.Objects;

/**
 * A request's worst case, as it is about to be reserved.
 *
 * @param promptTokens upper bound of the prompt tokens the upstream can bill
 * @param outputTokens output tokens of all choices the upstream may produce (the cap)
 * @param amountMicros what will be reserved
 * @param budget the key's budget as read just before (in flight = {@link Budget#reservedMicros()})
 */
public record ReservationQuote(
    long promptTokens, long outputTokens, long amountMicros, Budget budget) {
  public ReservationQuote {
    Objects.requireNonNull(budget, "budget");
  }

  /** Prompt and output together: the tokens a token-rate limit must count before the answer. */
  public long worstCaseTokens() {
    return promptTokens > Long.MAX_VALUE - outputTokens
        ? Long.MAX_VALUE
        : promptTokens + outputTokens;
  }
}
