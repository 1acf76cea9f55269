package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.testkit.BudgetLedgerContract;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ledger contract (DESIGN.md §3a) on PostgreSQL, on a schema of its own emptied for each test.
 */
@ExtendWith(TestDatabase.class)
class PostgresBudgetLedgerTest extends BudgetLedgerContract {
  @Override
  protected BudgetLedger createLedger() {
    return TestDatabase.open(getClass());
  }
}
