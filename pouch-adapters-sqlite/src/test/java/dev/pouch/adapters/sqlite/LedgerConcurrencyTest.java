package dev.pouch.adapters.sqlite;

import static dev.pouch.adapters.sqlite.Fixtures.reservation;
import static dev.pouch.adapters.sqlite.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import java.nio.file.Path;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerConcurrencyTest {
  @TempDir Path dir;

  @Test
  void concurrentReservationsAndSettlementsNeverOvershootAndBalanceExactly() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, Fixtures.T0);
      AtomicInteger reserved = new AtomicInteger();
      AtomicLong charged = new AtomicLong();
      AtomicInteger overshoots = new AtomicInteger();
      List<Callable<Void>> requests = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = "r" + i;
        requests.add(
            () -> {
              if (store.reserve(reservation(id, "key_1", 7))) {
                reserved.incrementAndGet();
                checkLimit(store, overshoots);
                // 4..7: together the requests would cost more than the limit allows
                long actual = 4 + ThreadLocalRandom.current().nextLong(4);
                assertThat(store.settle(settlement(reservation(id, "key_1", 7), actual))).isTrue();
                charged.addAndGet(actual);
              }
              checkLimit(store, overshoots);
              return null;
            });
      }

      runAll(32, requests);

      Budget budget = store.find("key_1").orElseThrow();
      assertThat(overshoots).hasValue(0);
      assertThat(budget.reservedMicros()).isZero();
      assertThat(budget.spentMicros()).isEqualTo(charged.get()).isLessThanOrEqualTo(1_000);
      assertThat(reserved.get()).isGreaterThanOrEqualTo(1_000 / 7);
      assertThat(store.list("key_1", null, 1000)).hasSize(reserved.get());
    }
  }

  @Test
  void onlyTenOfFiftySimultaneousReservationsGetTheLastCents() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 100, 0, Fixtures.T0);

      int granted = raceForTheBudget(List.of(store), 50);

      assertThat(granted).isEqualTo(10);
      assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(100);
    }
  }

  @Test
  void twoStoresOnOneFileShareTheBudgetRule() throws Exception {
    try (SqliteStore first = Fixtures.open(dir);
        SqliteStore second = Fixtures.open(dir)) {
      first.open("key_1", 100, 0, Fixtures.T0);

      int granted = raceForTheBudget(List.of(first, second), 50);

      assertThat(granted).isEqualTo(10);
      assertThat(second.find("key_1").orElseThrow().reservedMicros()).isEqualTo(100);
    }
  }

  /** {@code threads} reservations of 10 micros each, all let go at once, spread over stores. */
  private static int raceForTheBudget(List<SqliteStore> stores, int threads) throws Exception {
    CountDownLatch startGate = new CountDownLatch(threads);
    AtomicInteger granted = new AtomicInteger();
    List<Callable<Void>> requests = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      SqliteStore store = stores.get(i % stores.size());
      Reservation reservation = new Reservation("r" + i, "key_1", 10, Fixtures.T0.plusMillis(i));
      requests.add(
          () -> {
            startGate.countDown();
            startGate.await();
            if (store.reserve(reservation)) {
              granted.incrementAndGet();
            }
            return null;
          });
    }
    runAll(threads, requests);
    return granted.get();
  }

  private static void checkLimit(SqliteStore store, AtomicInteger overshoots) {
    Budget budget = store.find("key_1").orElseThrow();
    if (budget.usedMicros() > budget.limitMicros()) {
      overshoots.incrementAndGet();
    }
  }

  private static void runAll(int threads, List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (Future<Void> future : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
