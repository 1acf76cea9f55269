package dev.pouch.testkit.memory;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.testkit.BudgetLedgerContract;

/** The application's in-memory fake keeps the {@link BudgetLedger} contract its tests rely on. */
class InMemoryBudgetLedgerContractTest extends BudgetLedgerContract {
  @Override
  protected BudgetLedger createLedger() {
    return new InMemoryStore();
  }
}
