package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.testkit.BudgetLedgerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FINANCIAL_SAFETY G3 with {@code --reservation-sync later} (ARCHITECTURE D40): the mode changes
 * only when a reservation's commit is fsynced, never what is reserved, refused or charged. The
 * whole ledger contract holds on a store opened with it, the same requests leave the same budgets
 * and request log in both modes, and a reservation synced later survives a crash of the process.
 */
class ReservationSyncLaterFinancialSafetyTest extends BudgetLedgerContract {
  @TempDir Path dir;
  @TempDir Path otherDir;

  @Override
  protected BudgetLedger createLedger() {
    return Fixtures.open(dir, ReservationSync.LATER);
  }

  @Test
  void theSameRequestsReserveRefuseAndChargeTheSameInBothModes() {
    try (SqliteStore synced = Fixtures.open(otherDir, ReservationSync.NOW)) {
      synced.open("key_1", 1_000, 86_400, T0);
      SqliteStore later = (SqliteStore) ledger;

      List<String> outcomes = new ArrayList<>();
      for (SqliteStore store : List.of(synced, later)) {
        outcomes.add(workload(store));
      }

      assertThat(outcomes.get(1)).isEqualTo(outcomes.get(0));
      assertThat(later.findAllBudgets()).isEqualTo(synced.findAllBudgets());
      assertThat(rows(later)).isEqualTo(rows(synced));
      assertThat(later.require("key_1").spentMicros())
          .as("the workload charged something to compare")
          .isEqualTo(300 + 90 + 1_000 + 100);
      assertThat(later.database().syncedLaterCommits())
          .as("and the later store did skip the fsyncs")
          .isGreaterThan(synced.database().syncedLaterCommits());
    }
  }

  @Test
  void aReservationSyncedLaterSurvivesACrashOfTheProcess() throws Exception {
    SqliteStore store = (SqliteStore) ledger;
    assertThat(store.reserve(reservation("in-flight", "key_1", 700))).isTrue();

    // kill -9 leaves the files as the OS holds them, unsynced pages included: copy them while the
    // store is still open (no -shm index: SQLite rebuilds it from the WAL)
    Path crashed = otherDir.resolve("crashed");
    Files.createDirectories(crashed);
    Files.copy(dir.resolve("pouch.db"), crashed.resolve("pouch.db"));
    Files.copy(dir.resolve("pouch.db-wal"), crashed.resolve("pouch.db-wal"));

    try (SqliteStore restarted = Fixtures.open(crashed)) {
      assertThat(restarted.require("key_1").reservedMicros()).isEqualTo(700);
      assertThat(restarted.recoverOpenReservations(T0.plusSeconds(60))).isEqualTo(1);
      assertThat(restarted.require("key_1").spentMicros()).as("charged in full").isEqualTo(700);
      assertThat(restarted.require("key_1").reservedMicros()).isZero();
    }
  }

  /**
   * Reservations within and past the limit, an idempotent retry, layers with a team, a refund, an
   * overrun and recovery; returns what each call answered.
   */
  private static String workload(SqliteStore store) {
    StringBuilder answers = new StringBuilder();
    store.open("team_1", List.of(new BudgetTerms(2_000, 0)), T0);
    store.open("key_2", List.of(new BudgetTerms(500, 0)), T0);
    Reservation a = reservation("a", "key_1", 400);
    Reservation b = reservation("b", "key_1", 500);
    Reservation layered = new Reservation("c", "key_2", "team_1", 450, T0);
    answers.append(store.reserve(a)).append(store.reserve(a)).append(store.reserve(b));
    answers.append(store.reserve(reservation("too-much", "key_1", 101)));
    answers.append(store.reserve(layered));
    answers.append(store.reserve(new Reservation("d", "key_2", "team_1", 51, T0)));
    answers.append(store.settle(settlement(a, 300))).append(store.settle(settlement(a, 300)));
    Reservation open = reservation("open", "key_1", 100); // left open: recovered in full
    Reservation e = reservation("e", "key_1", 90);
    answers.append(store.reserve(open)).append(store.reserve(e));
    answers.append(store.settle(settlement(e, 90)));
    answers.append(store.settle(settlement(b, 1_000))); // an overrun: charged in full
    answers.append(store.settle(settlement(layered, 0))); // a refund
    answers.append(store.recoverOpenReservations(T0.plusSeconds(60)));
    return answers.toString();
  }

  private static List<RequestRecord> rows(SqliteStore store) {
    List<RequestRecord> rows = new ArrayList<>();
    for (String key : List.of("key_1", "key_2")) {
      rows.addAll(store.list(key, null, 100));
    }
    return rows;
  }
}
