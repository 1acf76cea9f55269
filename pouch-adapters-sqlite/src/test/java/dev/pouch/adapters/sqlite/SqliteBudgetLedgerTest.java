package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.refusal;
import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.testkit.BudgetLedgerContract;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger contract (DESIGN.md §3a) on a SQLite file, and what only SQLite shows: its period
 * history rows, its reservation rows, its argument checks.
 */
class SqliteBudgetLedgerTest extends BudgetLedgerContract {
  @TempDir Path dir;

  @Override
  protected BudgetLedger createLedger() {
    return Fixtures.open(dir);
  }

  private SqliteStore store() {
    return (SqliteStore) ledger;
  }

  @Test
  void newPeriodRecordsTheClosedOneInTheHistory() {
    Reservation settled = reservation("r1", "key_1", 300);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 200));
    Instant next = T0.plusSeconds(86_400);

    assertThat(ledger.startPeriod("key_1", T0, next)).isTrue();
    assertThat(ledger.startPeriod("key_1", T0, next)).isFalse();

    assertThat(periods())
        .singleElement()
        .isEqualTo(T0.toEpochMilli() + "," + next.toEpochMilli() + ",1000,200");
  }

  @Test
  void refusedOrUnknownReservationsLeaveNoRow() {
    ledger.reserve(reservation("r1", "key_1", 1_001));
    ledger.settle(settlement(reservation("ghost", "key_1", 5), 5));

    assertThat(Fixtures.count(store(), "SELECT count(*) FROM reservations")).isZero();
  }

  @Test
  void settlementDeletesTheReservationAndItsLogRowKeepsTheIdTaken() {
    Reservation first = reservation("r1", "key_1", 300);
    ledger.reserve(first);
    ledger.reserve(reservation("r2", "key_1", 200));

    assertThat(ledger.settle(settlement(first, 120))).isTrue();

    assertThat(Fixtures.strings(store(), "SELECT id FROM reservations")).containsExactly("r2");
    assertThat(ledger.reserve(first)).isTrue();
    assertThat(Fixtures.strings(store(), "SELECT id FROM reservations")).containsExactly("r2");
    assertThat(ledger.require("key_1").reservedMicros()).isEqualTo(200);
  }

  @Test
  void aLogRowWithoutBasisDoesNotTakeTheId() {
    // append() takes rows of requests that reserved nothing; their id stays free to reserve
    store().append(refusal("r1", "key_1", T0));

    assertThat(ledger.reserve(reservation("r1", "key_1", 300))).isTrue();
    assertThat(ledger.require("key_1").reservedMicros()).isEqualTo(300);
  }

  @Test
  void configureRefusesUnknownKeysAndNegativeLimits() {
    assertThatThrownBy(() -> ledger.configure("key_none", List.of(new BudgetTerms(1, 0)), T0))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ledger.configure("key_1", List.of(new BudgetTerms(-1, 0)), T0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private List<String> periods() {
    return Fixtures.strings(
        store(),
        "SELECT started_at || ',' || ended_at || ',' || limit_micros || ',' || spent_micros"
            + " FROM budget_periods WHERE owner_id = 'key_1'");
  }
}
