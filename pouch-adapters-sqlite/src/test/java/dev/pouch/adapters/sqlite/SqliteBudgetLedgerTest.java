package dev.pouch.adapters.sqlite;

import static dev.pouch.adapters.sqlite.Fixtures.T0;
import static dev.pouch.adapters.sqlite.Fixtures.reservation;
import static dev.pouch.adapters.sqlite.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SqliteBudgetLedgerTest extends StoreTest {
  @BeforeEach
  void openBudget() {
    store.open("key_1", 1_000, 86_400, T0);
  }

  Budget budget() {
    return store.find("key_1").orElseThrow();
  }

  long reservationRows() {
    return Fixtures.count(store, "SELECT count(*) FROM reservations");
  }

  @Test
  void openedBudgetHasNothingSpentOrReservedAndReopeningChangesNothing() {
    store.reserve(reservation("r1", "key_1", 100));

    store.open("key_1", 5, 0, T0.plusSeconds(99));

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 100, T0, 86_400));
    assertThat(store.find("key_none")).isEmpty();
  }

  @Test
  void findAllHasEveryBudgetByKey() {
    store.open("key_2", 0, 0, T0);

    assertThat(store.findAll())
        .containsOnlyKeys("key_1", "key_2")
        .containsEntry("key_2", new Budget(0, 0, 0, T0, 0));
  }

  @Test
  void reservationWithinTheLimitIsTaken() {
    assertThat(store.reserve(reservation("r1", "key_1", 600))).isTrue();
    assertThat(store.reserve(reservation("r2", "key_1", 400))).isTrue();

    assertThat(budget().reservedMicros()).isEqualTo(1_000);
    assertThat(budget().headroomMicros()).isZero();
  }

  @Test
  void reservationThatWouldExceedTheLimitIsRefusedAndLeavesNoTrace() {
    store.reserve(reservation("r1", "key_1", 600));

    assertThat(store.reserve(reservation("r2", "key_1", 401))).isFalse();

    assertThat(budget().reservedMicros()).isEqualTo(600);
    // no reservation row stayed behind: settling it finds nothing
    assertThat(store.settle(settlement(reservation("r2", "key_1", 401), 0))).isFalse();
    // and the id is free again once the budget allows it
    store.configure("key_1", 2_000, 86_400);
    assertThat(store.reserve(reservation("r2", "key_1", 401))).isTrue();
    assertThat(budget().reservedMicros()).isEqualTo(1_001);
  }

  @Test
  void reservationForAKeyWithoutBudgetIsRefused() {
    assertThat(store.reserve(reservation("r1", "key_none", 1))).isFalse();
    assertThat(store.find("key_none")).isEmpty();
  }

  @Test
  void unlimitedBudgetTakesAnyReservation() {
    store.open("key_free", 0, 0, T0);

    assertThat(store.reserve(reservation("r1", "key_free", 1_000_000_000_000L))).isTrue();
    assertThat(store.reserve(reservation("r2", "key_free", 1_000_000_000_000L))).isTrue();

    assertThat(store.find("key_free").orElseThrow().reservedMicros()).isEqualTo(2_000_000_000_000L);
  }

  @Test
  void reservingTheSameIdTwiceTakesOnce() {
    assertThat(store.reserve(reservation("r1", "key_1", 300))).isTrue();
    assertThat(store.reserve(reservation("r1", "key_1", 300))).isTrue();
    assertThat(store.reserve(reservation("r1", "key_1", 900))).isTrue();

    assertThat(budget().reservedMicros()).isEqualTo(300);
  }

  @Test
  void settlementMovesTheActualToSpentAndWritesTheLogRowOnce() {
    Reservation reservation = reservation("r1", "key_1", 300);
    store.reserve(reservation);

    assertThat(store.settle(settlement(reservation, 120))).isTrue();
    assertThat(store.settle(settlement(reservation, 250))).isFalse();

    assertThat(budget().spentMicros()).isEqualTo(120);
    assertThat(budget().reservedMicros()).isZero();
    assertThat(store.list("key_1", null, 10))
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row).isEqualTo(settlement(reservation, 120).record());
              assertThat(row.basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
            });
  }

  @Test
  void settlementAboveTheReservationIsChargedInFull() {
    Reservation reservation = reservation("r1", "key_1", 300);
    store.reserve(reservation);

    assertThat(store.settle(settlement(reservation, 450))).isTrue();

    assertThat(budget().spentMicros()).isEqualTo(450);
    assertThat(budget().reservedMicros()).isZero();
    assertThat(store.list("key_1", null, 10).get(0).overrunMicros()).isEqualTo(150);
  }

  @Test
  void refundReturnsTheWholeReservation() {
    Reservation reservation = reservation("r1", "key_1", 1_000);
    store.reserve(reservation);

    assertThat(store.settle(settlement(reservation, 0))).isTrue();

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 0, T0, 86_400));
    assertThat(store.list("key_1", null, 10).get(0).basis()).isEqualTo(SettlementBasis.REFUNDED);
  }

  @Test
  void settlingAnUnknownReservationChangesNothing() {
    assertThat(store.settle(settlement(reservation("ghost", "key_1", 5), 5))).isFalse();

    assertThat(budget().spentMicros()).isZero();
    assertThat(reservationRows()).isZero();
  }

  @Test
  void newPeriodClosesTheOldOneOnceAndLeavesReservationsAlone() {
    Reservation settled = reservation("r1", "key_1", 300);
    store.reserve(settled);
    store.settle(settlement(settled, 200));
    Reservation inFlight = reservation("r2", "key_1", 100);
    store.reserve(inFlight);
    Instant next = T0.plusSeconds(86_400);

    assertThat(store.startPeriod("key_1", T0, next)).isTrue();
    assertThat(store.startPeriod("key_1", T0, next)).isFalse();
    assertThat(store.startPeriod("key_none", T0, next)).isFalse();

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 100, next, 86_400));
    assertThat(periods())
        .singleElement()
        .isEqualTo(T0.toEpochMilli() + "," + next.toEpochMilli() + ",1000,200");
    // the in-flight request settles into the new period
    store.settle(settlement(inFlight, 60));
    assertThat(budget()).isEqualTo(new Budget(1_000, 60, 0, next, 86_400));
  }

  @Test
  void configureChangesOnlyTheLimitAndThePeriod() {
    store.reserve(reservation("r1", "key_1", 700));

    store.configure("key_1", 500, 3_600);

    assertThat(budget()).isEqualTo(new Budget(500, 0, 700, T0, 3_600));
    assertThat(store.reserve(reservation("r2", "key_1", 1))).isFalse();
    assertThatThrownBy(() -> store.configure("key_none", 1, 0))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.configure("key_1", -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void appendedRowsAreKeptBesideSettlements() {
    RequestRecord refused =
        new RequestRecord(
            "q1",
            "key_1",
            "gpt-4o",
            T0,
            429,
            false,
            0,
            0,
            0,
            0,
            0,
            null,
            0,
            3,
            "insufficient_quota");
    store.append(refused);

    assertThat(store.list("key_1", null, 10)).containsExactly(refused);
  }

  private List<String> periods() {
    return Fixtures.strings(
        store,
        "SELECT started_at || ',' || ended_at || ',' || limit_micros || ',' || spent_micros"
            + " FROM budget_periods WHERE key_id = 'key_1'");
  }
}
