package dev.pouch.adapters.postgres;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.log.RequestRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The guarded reservation between processes (FINANCIAL_SAFETY): two stores with pools of their own
 * on one schema share the budget rule, as SQLite's {@code LedgerConcurrencyTest} shows for two
 * stores on one file; multi-layer reservations and settlements racing over both never deadlock
 * (budget rows are locked in id order) and balance to the cent; and the first reservations of a new
 * end user racing over both create its budgets once and never overshoot them.
 */
@ExtendWith(TestDatabase.class)
class PostgresLedgerFinancialSafetyTest {
  private PostgresStore first;
  private PostgresStore second;

  @BeforeEach
  void openTwoStores() {
    first = TestDatabase.open(getClass());
    second = PostgresStore.open(TestDatabase.schemaOf(getClass()));
  }

  @AfterEach
  void closeStores() {
    if (second != null) {
      second.close();
    }
    first.close();
  }

  @Test
  void twoStoresOnOneSchemaShareTheBudgetRule() throws Exception {
    first.open("key_1", 100, 0, T0);
    CountDownLatch gate = new CountDownLatch(50);
    AtomicInteger granted = new AtomicInteger();
    List<Callable<Void>> requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      PostgresStore store = i % 2 == 0 ? first : second;
      Reservation reservation = new Reservation("r" + i, "key_1", 10, T0.plusMillis(i));
      requests.add(
          () -> {
            gate.countDown();
            gate.await();
            if (store.reserve(reservation)) {
              granted.incrementAndGet();
            }
            return null;
          });
    }

    runAll(50, requests);

    assertThat(granted).hasValue(10);
    assertThat(second.require("key_1").reservedMicros()).isEqualTo(100);
  }

  @Test
  void layeredReservationsAndSettlementsRacingOverTwoStoresNeverDeadlockNorOvershoot()
      throws Exception {
    // four keys with two budgets each in one team with two budgets: every reservation locks four
    // rows, two of them shared by all, in whichever order the ids fall
    first.open("team_1", List.of(new BudgetTerms(6_000, 0), new BudgetTerms(0, 0)), T0);
    for (int k = 0; k < 4; k++) {
      first.open("key_" + k, List.of(new BudgetTerms(0, 0), new BudgetTerms(2_000, 0)), T0);
    }
    int requestCount = 200;
    CountDownLatch gate = new CountDownLatch(32);
    AtomicLong charged = new AtomicLong();
    AtomicInteger settled = new AtomicInteger();
    List<Callable<Void>> requests = new ArrayList<>();
    for (int i = 0; i < requestCount; i++) {
      PostgresStore store = i % 2 == 0 ? first : second;
      String key = "key_" + (i % 4);
      Reservation reservation = new Reservation("r" + i, key, "team_1", 100, T0.plusMillis(i));
      requests.add(
          () -> {
            if (gate.getCount() > 0) {
              gate.countDown();
              gate.await();
            }
            if (store.reserve(reservation)) {
              long actual = ThreadLocalRandom.current().nextLong(0, 101);
              if (store.settle(settlement(reservation, actual))) {
                charged.addAndGet(actual);
                settled.incrementAndGet();
              }
            }
            return null;
          });
    }

    runAll(32, requests);

    Budget team = first.require("team_1");
    assertThat(team.reservedMicros()).isZero();
    assertThat(team.spentMicros()).isEqualTo(charged.get()).isLessThanOrEqualTo(6_000);
    long keysSpent = 0;
    for (int k = 0; k < 4; k++) {
      List<Budget> layers = first.budgets("key_" + k);
      assertThat(layers).allSatisfy(budget -> assertThat(budget.reservedMicros()).isZero());
      assertThat(layers.get(1).spentMicros()).isLessThanOrEqualTo(2_000);
      keysSpent += layers.get(1).spentMicros();
    }
    assertThat(keysSpent).isEqualTo(charged.get());
    long logged = first.list(null, null, 1000).stream().mapToLong(RequestRecord::costMicros).sum();
    assertThat(logged).isEqualTo(charged.get());
    // the limits bit: some were refused, the rest settled
    assertThat(settled.get()).isPositive().isLessThan(requestCount);
  }

  @Test
  void firstReservationsOfOneNewEndUserRacingOverTwoStoresCreateItsBudgetsOnceAndNeverOvershoot()
      throws Exception {
    first.open("team_1", List.of(new BudgetTerms(0, 0)), T0);
    first.open("key_1", List.of(new BudgetTerms(0, 0)), T0);
    EndUser endUser =
        new EndUser(
            "key_1", "u-new", List.of(new BudgetTerms(300, 86_400), new BudgetTerms(1_000, 0)));
    int requestCount = 100;
    CountDownLatch gate = new CountDownLatch(40);
    AtomicInteger granted = new AtomicInteger();
    List<Callable<Void>> requests = new ArrayList<>();
    for (int i = 0; i < requestCount; i++) {
      PostgresStore store = i % 2 == 0 ? first : second;
      Reservation reservation = new Reservation("r" + i, "key_1", "team_1", 10, T0, endUser);
      requests.add(
          () -> {
            if (gate.getCount() > 0) {
              gate.countDown();
              gate.await();
            }
            if (store.reserve(reservation)) {
              granted.incrementAndGet();
            }
            return null;
          });
    }

    runAll(40, requests);

    // the end user's daily 300 covers exactly 30 requests of 10, whichever store created its rows
    assertThat(granted).hasValue(30);
    assertThat(second.budgets("key_1/u-new"))
        .containsExactly(new Budget(300, 0, 300, T0, 86_400), new Budget(1_000, 0, 300, T0, 0));
    assertThat(second.endUsers("key_1", null, 10)).containsOnlyKeys("u-new");
    assertThat(first.require("key_1").reservedMicros()).isEqualTo(300);
    assertThat(first.require("team_1").reservedMicros()).isEqualTo(300);
  }

  private static void runAll(int threads, List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (Future<Void> future : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
