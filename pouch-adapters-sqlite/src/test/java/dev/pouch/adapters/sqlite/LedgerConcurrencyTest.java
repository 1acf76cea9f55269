package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Reservation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarded reservation across processes: two stores on one file share the budget rule. The
 * single-store concurrency rules are in the testkit's {@code BudgetLedgerContract}.
 */
class LedgerConcurrencyTest {
  @TempDir Path dir;

  @Test
  void twoStoresOnOneFileShareTheBudgetRule() throws Exception {
    try (SqliteStore first = Fixtures.openShared(dir);
        SqliteStore second = Fixtures.openShared(dir)) {
      first.open("key_1", 100, 0, T0);

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
      Reservation reservation = new Reservation("r" + i, "key_1", 10, T0.plusMillis(i));
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
