package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.testkit.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group commit ({@link GroupCommitter}, used through {@link Database}): writes of many callers
 * share one transaction, yet each stays atomic, isolated and durable on return. To put chosen
 * writes into one group without timing, a first write holds the writer until the others are queued
 * behind it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hang, not a performance check
class GroupCommitTest {
  @TempDir Path dir;

  @Test
  void queuedWritesAreCommittedTogetherInOneTransaction() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Gate gate = holdWriter(store, pool);
        List<Future<Boolean>> reserved = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          Reservation r = reservation("r" + i, "key_1", 10);
          reserved.add(pool.submit(() -> store.reserve(r)));
        }
        awaitQueued(store, 20);
        long commitsBefore = store.database().commitCounts()[0];

        gate.release();

        for (Future<Boolean> f : reserved) {
          assertThat(f.get()).isTrue();
        }
        assertThat(store.database().commitCounts()[0] - commitsBefore)
            .as("the holding write's commit, then one for all twenty")
            .isEqualTo(2);
        assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(200);
        assertThat(Fixtures.count(store, "SELECT count(*) FROM reservations")).isEqualTo(20);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aWriteThatFindsTheWriterIdleRunsOnItsCallersThreadAndWritesQueuedMeanwhileRunAsOneGroup()
      throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      Database database = store.database();
      Thread caller = Thread.currentThread();
      long[] before = database.commitCounts();

      Thread ranOn = database.write(handle -> Thread.currentThread());
      assertThat(ranOn).isSameAs(caller);
      assertThat(store.reserve(reservation("alone", "key_1", 10))).isTrue();
      assertThat(database.commitCounts()[0] - before[0]).isEqualTo(2);

      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Gate gate = holdWriter(store, pool);
        List<Future<Thread>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          queued.add(pool.submit(() -> database.<Thread>write(handle -> Thread.currentThread())));
        }
        awaitQueued(store, 3);
        long commitsBefore = database.commitCounts()[0];

        gate.release();

        for (Future<Thread> f : queued) {
          assertThat(f.get().getName()).isEqualTo("pouch-sqlite-writer");
        }
        assertThat(database.commitCounts()[0] - commitsBefore)
            .as("the holding write's commit, then one for the three queued behind it")
            .isEqualTo(2);
      } finally {
        pool.shutdownNow();
      }
      assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(10);
    }
  }

  @Test
  void aFailingOrRefusedWriteInAGroupDoesNotFailTheOthers() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 100, 0, TestData.T0);
      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Gate gate = holdWriter(store, pool);
        Future<Boolean> first = pool.submit(() -> store.reserve(reservation("a", "key_1", 60)));
        awaitQueued(store, 1);
        // refused by the guarded update: 60 + 50 > 100; its reservation row must not remain
        Future<Boolean> refused = pool.submit(() -> store.reserve(reservation("b", "key_1", 50)));
        awaitQueued(store, 2);
        // fails on a CHECK constraint after a first statement that must be undone with it
        Future<Integer> failing =
            pool.submit(
                () ->
                    store
                        .database()
                        .write(
                            handle -> {
                              handle.execute(
                                  "UPDATE budgets SET spent_micros = 7 WHERE owner_id = 'key_1'");
                              return handle.execute(
                                  "UPDATE budgets SET reserved_micros = -1"
                                      + " WHERE owner_id = 'key_1'");
                            }));
        awaitQueued(store, 3);
        // throws from Java code after writing
        Future<Object> throwing =
            pool.submit(
                () ->
                    store
                        .database()
                        .transaction(
                            handle -> {
                              handle.execute(
                                  "UPDATE budgets SET limit_micros = 1 WHERE owner_id = 'key_1'");
                              throw new IllegalStateException("boom");
                            }));
        awaitQueued(store, 4);
        Future<Boolean> last = pool.submit(() -> store.reserve(reservation("c", "key_1", 40)));
        awaitQueued(store, 5);

        gate.release();

        assertThat(first.get()).isTrue();
        assertThat(refused.get()).isFalse();
        assertThatThrownBy(failing::get).hasMessageContaining("CHECK constraint failed");
        assertThatThrownBy(throwing::get).hasRootCauseMessage("boom");
        assertThat(last.get()).isTrue();
        Budget budget = store.find("key_1").orElseThrow();
        assertThat(budget.limitMicros()).isEqualTo(100);
        assertThat(budget.spentMicros()).isZero();
        assertThat(budget.reservedMicros()).isEqualTo(100);
        assertThat(Fixtures.strings(store, "SELECT id FROM reservations ORDER BY id"))
            .containsExactly("a", "c");
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aWriteThatEndsTheWholeTransactionFailsAloneAndTheOthersAreRunAgain() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Gate gate = holdWriter(store, pool);
        Future<Boolean> before = pool.submit(() -> store.reserve(reservation("a", "key_1", 10)));
        awaitQueued(store, 1);
        // ends the group's transaction itself, as an I/O error would: no savepoint is left
        Future<Integer> breaking =
            pool.submit(
                () ->
                    store
                        .database()
                        .write(
                            handle -> {
                              handle.execute("ROLLBACK");
                              throw new IllegalStateException("transaction lost");
                            }));
        awaitQueued(store, 2);
        Future<Boolean> after = pool.submit(() -> store.reserve(reservation("b", "key_1", 20)));
        awaitQueued(store, 3);

        gate.release();

        assertThat(before.get()).isTrue();
        assertThatThrownBy(breaking::get).hasRootCauseMessage("transaction lost");
        assertThat(after.get()).isTrue();
        assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(30);
        // the writer is healthy afterwards
        assertThat(store.reserve(reservation("c", "key_1", 5))).isTrue();
        assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(35);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void writesThatCannotBeginFailWithoutRetriesAndTheWriterRecovers() throws Exception {
    try (SqliteStore first = Fixtures.open(dir);
        SqliteStore second = Fixtures.open(dir)) {
      first.open("key_1", 1_000, 0, TestData.T0);
      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        // another store (another process, say) keeps SQLite's write lock past the busy timeout
        Gate gate = holdWriter(second, pool);
        List<Future<Boolean>> reserves = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          Reservation r = reservation("r" + i, "key_1", 10);
          reserves.add(pool.submit(() -> first.reserve(r)));
        }
        for (Future<Boolean> f : reserves) {
          assertThatThrownBy(f::get).hasMessageContaining("BUSY");
        }
        gate.release();

        assertThat(first.reserve(reservation("r0", "key_1", 10))).isTrue();
        assertThat(first.find("key_1").orElseThrow().reservedMicros()).isEqualTo(10);
        assertThat(Fixtures.count(first, "SELECT count(*) FROM reservations")).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void retriesInOneGroupAreIdempotent() throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      Reservation r = reservation("r", "key_1", 100);
      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Gate gate = holdWriter(store, pool);
        List<Future<Boolean>> reserves = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          reserves.add(pool.submit(() -> store.reserve(r)));
        }
        awaitQueued(store, 3);
        gate.release();
        for (Future<Boolean> f : reserves) {
          assertThat(f.get()).as("a retried reservation is granted again").isTrue();
        }
        assertThat(store.find("key_1").orElseThrow().reservedMicros()).isEqualTo(100);

        gate = holdWriter(store, pool);
        List<Future<Boolean>> settles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          settles.add(pool.submit(() -> store.settle(settlement(r, 70))));
        }
        awaitQueued(store, 3);
        gate.release();
        int settled = 0;
        for (Future<Boolean> f : settles) {
          settled += f.get() ? 1 : 0;
        }
        assertThat(settled).as("exactly one settlement counts").isEqualTo(1);
        Budget budget = store.find("key_1").orElseThrow();
        assertThat(budget.reservedMicros()).isZero();
        assertThat(budget.spentMicros()).isEqualTo(70);
        assertThat(store.list("key_1", null, 10)).hasSize(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void manyConcurrentReservationsAndSettlementsKeepTheInvariants() throws Exception {
    long limit = 50_000;
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", limit, 0, TestData.T0);
      store.open("key_2", 0, 0, TestData.T0);
      AtomicLong charged1 = new AtomicLong();
      AtomicLong charged2 = new AtomicLong();
      AtomicLong granted1 = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(64);
      try {
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
          String key = i % 2 == 0 ? "key_1" : "key_2";
          Reservation r = reservation("r" + i, key, 40 + i % 7);
          all.add(
              pool.submit(
                  () -> {
                    if (!store.reserve(r)) {
                      return null;
                    }
                    // a retry of the reservation is idempotent, also while others commit
                    assertThat(store.reserve(r)).isTrue();
                    long actual = ThreadLocalRandom.current().nextLong(r.amountMicros() + 1);
                    assertThat(store.settle(settlement(r, actual))).isTrue();
                    assertThat(store.settle(settlement(r, actual))).isFalse();
                    (key.equals("key_1") ? charged1 : charged2).addAndGet(actual);
                    if (key.equals("key_1")) {
                      granted1.incrementAndGet();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : all) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      Budget first = store.find("key_1").orElseThrow();
      Budget second = store.find("key_2").orElseThrow();
      assertThat(first.reservedMicros()).isZero();
      assertThat(second.reservedMicros()).isZero();
      assertThat(first.spentMicros()).isEqualTo(charged1.get()).isLessThanOrEqualTo(limit);
      assertThat(second.spentMicros()).isEqualTo(charged2.get());
      assertThat(store.list("key_1", null, 1000)).hasSize((int) granted1.get());
      assertThat(Fixtures.count(store, "SELECT coalesce(sum(cost_micros), 0) FROM request_log"))
          .isEqualTo(charged1.get() + charged2.get());
      assertThat(Fixtures.count(store, "SELECT count(*) FROM reservations")).isZero();
    }
  }

  @Test
  void writesAfterCloseAreRefusedAndQueuedOnesFinish() throws Exception {
    SqliteStore store = Fixtures.open(dir);
    store.open("key_1", 1_000, 0, TestData.T0);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      Gate gate = holdWriter(store, pool);
      Future<Boolean> queued = pool.submit(() -> store.reserve(reservation("a", "key_1", 10)));
      awaitQueued(store, 1);
      Future<?> closing = pool.submit(store::close);
      awaitQueued(store, 2); // the stop marker
      assertThatThrownBy(() -> store.reserve(reservation("b", "key_1", 10)))
          .isInstanceOf(IllegalStateException.class);
      gate.release();
      assertThat(queued.get()).isTrue();
      closing.get();
    } finally {
      pool.shutdownNow();
    }
    try (SqliteStore reopened = Fixtures.open(dir)) {
      assertThat(reopened.find("key_1").orElseThrow().reservedMicros()).isEqualTo(10);
    }
  }

  @Test
  void settlementsCommitWithoutAnFsyncOfTheirOwnUnlessTheirGroupHoldsWorkThatMustBeSynced()
      throws Exception {
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      Database database = store.database();
      long before = database.syncedLaterCommits();

      Reservation r1 = reservation("r1", "key_1", 100);
      assertThat(store.reserve(r1)).isTrue();
      assertThat(database.syncedLaterCommits()).as("a reservation is synced").isEqualTo(before);
      assertThat(store.settle(settlement(r1, 40))).isTrue();
      assertThat(database.syncedLaterCommits())
          .as("a lone settlement is not")
          .isEqualTo(before + 1);
      // what SQLite itself runs each kind of work under: 2 = FULL, 1 = NORMAL
      assertThat(synchronousMode(database, Sync.LATER)).isEqualTo(1);
      assertThat(synchronousMode(database, Sync.NOW)).isEqualTo(2);
      assertThat(synchronousMode(database, Sync.LATER)).isEqualTo(1);

      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Gate gate = holdWriter(store, pool);
        Future<Integer> later = pool.submit(() -> synchronousMode(database, Sync.LATER));
        awaitQueued(store, 1);
        Future<Boolean> reserved = pool.submit(() -> store.reserve(reservation("r2", "key_1", 5)));
        awaitQueued(store, 2);
        long laterBefore = database.syncedLaterCommits();

        gate.release();

        assertThat(reserved.get()).isTrue();
        assertThat(later.get()).as("grouped with a reservation: synced with it").isEqualTo(2);
        assertThat(database.syncedLaterCommits()).isEqualTo(laterBefore);
      } finally {
        pool.shutdownNow();
      }
      Budget budget = store.find("key_1").orElseThrow();
      assertThat(budget.spentMicros()).isEqualTo(40);
      assertThat(budget.reservedMicros()).isEqualTo(5);
    }
    try (SqliteStore reopened = Fixtures.open(dir)) {
      assertThat(reopened.find("key_1").orElseThrow().spentMicros()).isEqualTo(40);
      assertThat(Fixtures.count(reopened, "SELECT count(*) FROM request_log")).isEqualTo(1);
    }
  }

  @Test
  void reservationsOfAStoreOpenedToSyncThemLaterCommitWithoutAnFsyncOfTheirOwn() throws Exception {
    try (SqliteStore store = Fixtures.open(dir, ReservationSync.LATER)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      Database database = store.database();
      long before = database.syncedLaterCommits();

      Reservation r1 = reservation("r1", "key_1", 100);
      assertThat(store.reserve(r1)).isTrue();
      assertThat(database.syncedLaterCommits())
          .as("the reservation's commit was not synced")
          .isEqualTo(before + 1);
      assertThat(store.settle(settlement(r1, 40))).isTrue();
      assertThat(database.syncedLaterCommits()).as("nor the settlement's").isEqualTo(before + 2);
      assertThat(store.reserve(reservation("r2", "key_1", 5))).isTrue();
      // committed when reserve returns: read from the file, past the store's budgets in memory
      assertThat(Fixtures.budgetInFile(store, "key_1").reservedMicros()).isEqualTo(5);
      assertThat(Fixtures.strings(store, "SELECT id FROM reservations")).containsExactly("r2");
    }
  }

  @Test
  void aCommitSyncedLaterIsSyncedByACheckpointOnceItsTimeBoundHasPassed() throws Exception {
    long bound = GroupCommitter.SYNC_LATER_WITHIN.toMillis();
    try (SqliteStore store = Fixtures.open(dir, ReservationSync.LATER)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      Database database = store.database();
      Thread.sleep(bound + 500); // whatever the setup left unsynced has had its sync
      long before = database.timedSyncs();

      assertThat(store.reserve(reservation("r1", "key_1", 100))).isTrue();
      long returned = System.nanoTime();
      long deadline = returned + TimeUnit.SECONDS.toNanos(5);
      while (database.timedSyncs() == before && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - returned);

      assertThat(database.timedSyncs()).as("the idle writer synced the WAL").isEqualTo(before + 1);
      assertThat(waitedMillis).as("not before the bound").isGreaterThanOrEqualTo(bound - 100);
      Thread.sleep(bound + 500);
      assertThat(database.timedSyncs())
          .as("nothing left unsynced: no other sync")
          .isEqualTo(before + 1);
      assertThat(Fixtures.strings(store, "SELECT id FROM reservations")).containsExactly("r1");
    }
  }

  @Test
  void reservationsOfADefaultStoreStillCommitSynced() {
    try (SqliteStore store = Fixtures.open(dir, ReservationSync.NOW)) {
      store.open("key_1", 1_000, 0, TestData.T0);
      Database database = store.database();
      long[] before = database.commitCounts();
      long laterBefore = database.syncedLaterCommits();

      for (int i = 0; i < 5; i++) {
        assertThat(store.reserve(reservation("r" + i, "key_1", 10))).isTrue();
      }

      assertThat(database.commitCounts()[0] - before[0]).isEqualTo(5);
      assertThat(database.syncedLaterCommits()).as("every one synced").isEqualTo(laterBefore);
    }
  }

  /** Runs a transaction of the given kind that reads the writer's {@code synchronous} pragma. */
  private static int synchronousMode(Database database, Sync sync) {
    return database.transaction(
        handle -> Outcome.commit(handle.select("PRAGMA synchronous").mapTo(Integer.class).one()),
        sync);
  }

  /**
   * A write that holds the writer connection until released; returns once it runs (on the pool's
   * thread: the writer is idle, so its caller runs it).
   */
  private static Gate holdWriter(SqliteStore store, ExecutorService pool) throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Integer> held =
        pool.submit(
            () ->
                store
                    .database()
                    .transaction(
                        handle -> {
                          running.countDown();
                          awaitUninterruptibly(release);
                          return Outcome.commit(0);
                        }));
    running.await();
    return new Gate(release, held);
  }

  /**
   * Holds until released, but not forever: a test that fails before it releases the writer must
   * still be able to close its store (and report the failure) instead of hanging the build.
   */
  private static void awaitUninterruptibly(CountDownLatch latch) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        if (latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        // keep holding: the test releases it
      }
    }
  }

  private static void awaitQueued(SqliteStore store, int writes) throws InterruptedException {
    while (store.database().queuedWrites() < writes) {
      Thread.sleep(1);
    }
  }

  private record Gate(CountDownLatch latch, Future<Integer> held) {
    void release() throws Exception {
      latch.countDown();
      held.get();
    }
  }
}
