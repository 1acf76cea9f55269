package dev.pouch.application.proxy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.domain.budget.Budget;

/**
 * One request's view of its key's budget: read once, carried through the request, and read again
 * only when the numbers must be fresh (a period just started, a reservation lost to a concurrent
 * request). The ledger's guarded reserve decides; this view only plans and informs.
 */
final class BudgetSnapshot {
  private final BudgetLedger ledger;
  private final String keyId;
  private Budget budget;

  BudgetSnapshot(BudgetLedger ledger, String keyId) {
    this.ledger = ledger;
    this.keyId = keyId;
  }

  /** The budget as last read (read now if never). */
  Budget get() {
    if (budget == null) {
      budget = ledger.require(keyId);
    }
    return budget;
  }

  /** Reads the budget again, and keeps it. */
  Budget refresh() {
    budget = ledger.require(keyId);
    return budget;
  }
}
