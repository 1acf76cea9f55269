package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.testkit.BudgetLedgerContract;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * FINANCIAL_SAFETY G3 with {@code --reservation-sync later} on PostgreSQL (ARCHITECTURE D40): the
 * whole ledger contract (DESIGN.md §3a) holds when reservations commit asynchronously, so the mode
 * never changes what is reserved, refused or charged.
 */
@ExtendWith(TestDatabase.class)
class PostgresReservationSyncLaterFinancialSafetyTest extends BudgetLedgerContract {
  @Override
  protected BudgetLedger createLedger() {
    return TestDatabase.open(getClass(), ReservationSync.LATER);
  }
}
