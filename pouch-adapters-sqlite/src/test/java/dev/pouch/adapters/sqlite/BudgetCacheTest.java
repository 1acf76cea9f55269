package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.Reservation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store opened as the file's only writer reads budgets from memory: what it reads must always be
 * what the file holds once the writes settle, whatever the order in which racing callers return,
 * and a write that is rolled back must leave nothing behind in memory either.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hang, not a performance check
class BudgetCacheTest {
  private static final List<String> KEYS = List.of("key_1", "key_2");

  @TempDir Path dir;

  @Test
  void budgetsReadAfterRacingWritesAreTheFilesRows() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 5_000_000, 0, T0);
      store.open("key_2", 0, 3600, T0);
      // read once so that every later write races with a cached row, not an empty slot
      KEYS.forEach(store::find);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> workers = new ArrayList<>();
        for (int worker = 0; worker < 8; worker++) {
          int w = worker;
          workers.add(pool.submit(() -> reserveAndSettle(store, "w" + w, 150)));
        }
        for (Future<?> f : workers) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      store.configure("key_1", List.of(new BudgetTerms(4_000_000, 60)), T0);
      assertThat(store.startPeriod("key_2", T0, T0.plusSeconds(3600))).isTrue();

      for (String key : KEYS) {
        assertThat(store.find(key)).contains(Fixtures.budgetInFile(store, key));
      }
      assertThat(store.find("key_1").orElseThrow().reservedMicros()).isZero();
      assertThat(store.find("key_1").orElseThrow().spentMicros()).isPositive();
    }
  }

  @Test
  void everyLayerReadAfterRacingLayeredWritesIsTheFilesRows() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("team_1", List.of(new BudgetTerms(3_000_000, 0), new BudgetTerms(0, 60)), T0);
      store.open("key_1", List.of(new BudgetTerms(5_000_000, 0), new BudgetTerms(0, 3_600)), T0);
      store.open("key_2", 0, 0, T0);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> workers = new ArrayList<>();
        for (int worker = 0; worker < 8; worker++) {
          String key = worker % 2 == 0 ? "key_1" : "key_2";
          String prefix = "w" + worker;
          workers.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 100; i++) {
                      Reservation r = new Reservation(prefix + "-" + i, key, "team_1", 700, T0);
                      if (store.reserve(r)) {
                        store.settle(settlement(r, 300));
                      }
                      if (i % 25 == 0) {
                        store.budgets("team_1");
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : workers) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(store.startPeriod("team_1", 1, T0, T0.plusSeconds(60))).isTrue();

      for (String owner : List.of("team_1", "key_1", "key_2")) {
        assertThat(store.budgets(owner)).isEqualTo(budgetsInFile(store, owner));
      }
      assertThat(store.budgets("team_1").get(0).spentMicros()).isPositive();
      assertThat(store.budgets("team_1").get(1).spentMicros()).isZero();
    }
  }

  private static List<Budget> budgetsInFile(SqliteStore store, String owner) {
    return store
        .database()
        .read(
            handle ->
                handle
                    .createQuery(
                        "SELECT limit_micros, spent_micros, reserved_micros, period_started_at,"
                            + " reset_period_seconds FROM budgets WHERE owner_id = :owner"
                            + " ORDER BY position")
                    .bind("owner", owner)
                    .map(
                        (rs, context) ->
                            new Budget(
                                rs.getLong(1),
                                rs.getLong(2),
                                rs.getLong(3),
                                java.time.Instant.ofEpochMilli(rs.getLong(4)),
                                rs.getLong(5)))
                    .list());
  }

  @Test
  void aWriteThatIsRolledBackLeavesTheCachedBudgetAsTheFileHasIt() {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, T0);
      Budget before = store.find("key_1").orElseThrow();

      // a reservation taken inside a transaction that then fails, and one whose work rolls back
      assertThatThrownBy(
              () ->
                  store
                      .database()
                      .transaction(
                          handle -> {
                            store.reserve(reservation("r1", "key_1", 300));
                            throw new IllegalStateException("boom");
                          }))
          .hasMessage("boom");
      store
          .database()
          .transaction(
              handle -> {
                store.reserve(reservation("r2", "key_1", 400));
                return Outcome.rollback(null);
              });

      assertThat(Fixtures.budgetInFile(store, "key_1")).isEqualTo(before);
      assertThat(store.find("key_1")).contains(before);
      assertThat(store.reserve(reservation("r3", "key_1", 1_000)))
          .as("nothing of the rolled back reservations holds the budget")
          .isTrue();
      assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(1_000);
    }
  }

  @Test
  void aStoreForASharedFileSeesWhatAnotherStoreWrote() {
    try (SqliteStore writer = Fixtures.open(dir);
        SqliteStore shared = Fixtures.openShared(dir)) {
      writer.open("key_1", 1_000, 0, T0);
      assertThat(shared.find("key_1").orElseThrow().reservedMicros()).isZero();

      assertThat(writer.reserve(reservation("r1", "key_1", 250))).isTrue();

      assertThat(shared.find("key_1").orElseThrow().reservedMicros()).isEqualTo(250);
    }
  }

  private static void reserveAndSettle(SqliteStore store, String prefix, int count) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < count; i++) {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      Reservation r = reservation(prefix + "-" + i, key, 1 + random.nextInt(5_000));
      if (store.reserve(r)) {
        store.settle(settlement(r, random.nextLong(r.amountMicros() + 1)));
      }
    }
  }
}
