package dev.pouch.domain.budget;

/**
 * What an admin sets for one budget: its limit and its period. Spend, reservations and the period
 * start are the ledger's.
 *
 * @param limitMicros spend allowed per period; 0 means unlimited
 * @param resetPeriodSeconds length of a period; 0 means the budget never resets (admins may set at
 *     most {@link Budget#MAX_RESET_PERIOD_SECONDS}, checked at input: a store may hold older,
 *     longer ones)
 */
public record BudgetTerms(long limitMicros, long resetPeriodSeconds) {
  /** The most budgets one key or team may have. */
  public static final int MAX_PER_OWNER = 8;

  public BudgetTerms {
    if (limitMicros < 0 || resetPeriodSeconds < 0) {
      throw new IllegalArgumentException("limit and reset period cannot be negative");
    }
  }

  /** The terms a budget runs on. */
  public static BudgetTerms of(Budget budget) {
    return new BudgetTerms(budget.limitMicros(), budget.resetPeriodSeconds());
  }
}
