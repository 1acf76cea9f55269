package dev.pouch.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.testkit.TestData;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Instances that share a schema: each owns its reservations through a lease, and the survivors
 * recover a dead one's reservations, in full, exactly once, only after its lease ran out.
 */
@ExtendWith(TestDatabase.class)
class InstanceLeaseTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(1);

  private final List<PostgresStore> opened = new ArrayList<>();
  private PostgresUrl url;

  @BeforeEach
  void emptySchema() {
    TestDatabase.open(getClass()).close();
    url = TestDatabase.schemaOf(getClass());
  }

  @AfterEach
  void closeAll() {
    for (PostgresStore store : opened) {
      try {
        store.close();
      } catch (RuntimeException alreadyCrashed) {
        // a crashed store's connections are gone
      }
    }
  }

  private PostgresStore instance() {
    return instance(LEASE);
  }

  private PostgresStore instance(Duration lease) {
    PostgresStore store = PostgresStore.open(url, lease);
    opened.add(store);
    return store;
  }

  @Test
  void twoInstancesServeOneSchemaAndEachReservationNamesItsInstance() {
    PostgresStore a = instance();
    PostgresStore b = instance();
    a.open("key_1", 1_000, 0, T0);

    assertThat(a.reserve(new Reservation("r_a", "key_1", 100, T0))).isTrue();
    assertThat(b.reserve(new Reservation("r_b", "key_1", 100, T0))).isTrue();

    assertThat(a.instanceId()).isPresent().isNotEqualTo(b.instanceId());
    assertThat(instanceOf(a, "r_a")).isEqualTo(a.instanceId().orElseThrow());
    assertThat(instanceOf(a, "r_b")).isEqualTo(b.instanceId().orElseThrow());
    assertThat(a.require("key_1").reservedMicros()).isEqualTo(200);
  }

  @Test
  void aSurvivorRecoversACrashedInstancesReservationsInFullOnlyAfterItsLeaseRanOut()
      throws Exception {
    PostgresStore survivor = instance();
    PostgresStore crashed = instance();
    survivor.open("key_1", 1_000, 0, T0);
    assertThat(crashed.reserve(new Reservation("r_dead", "key_1", 300, T0))).isTrue();
    assertThat(survivor.reserve(new Reservation("r_live", "key_1", 200, T0))).isTrue();

    crashed.crash();
    // the lease still runs: nothing is recovered yet, whatever the sweep does
    assertThat(survivor.recoverExpiredInstances(T0)).isZero();
    assertThat(survivor.require("key_1").reservedMicros()).isEqualTo(500);

    Budget after = awaitReserved(survivor, 200);

    assertThat(after.spentMicros()).isEqualTo(300);
    assertThat(instances(survivor)).containsExactly(survivor.instanceId().orElseThrow());
    assertThat(survivor.find("r_dead", 10))
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.costMicros()).isEqualTo(300);
              assertThat(row.basis()).isEqualTo(SettlementBasis.RECOVERED);
            });
    // the survivor's own request in flight is untouched and settles normally
    assertThat(openReservations(survivor)).containsExactly("r_live");
  }

  @Test
  void survivorsRacingForOneDeadInstanceRecoverEachReservationExactlyOnce() throws Exception {
    // survivors whose own sweep waits 20 s: only the racing calls below recover
    PostgresStore first = instance(Duration.ofMinutes(1));
    PostgresStore second = instance(Duration.ofMinutes(1));
    PostgresStore dead = instance();
    first.open("key_1", 0, 0, T0);
    for (int i = 0; i < 40; i++) {
      assertThat(dead.reserve(new Reservation("r" + i, "key_1", 10 + i, T0))).isTrue();
    }
    long total = 40 * 10 + 39 * 40 / 2;
    dead.crash();
    Thread.sleep(LEASE.toMillis() + 200);

    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch gate = new CountDownLatch(8);
    List<Future<Integer>> sweeps = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      PostgresStore store = i % 2 == 0 ? first : second;
      Callable<Integer> sweep =
          () -> {
            gate.countDown();
            gate.await();
            return store.recoverExpiredInstances(T0.plusSeconds(5));
          };
      sweeps.add(pool.submit(sweep));
    }
    int recovered = 0;
    for (Future<Integer> sweep : sweeps) {
      recovered += sweep.get();
    }
    pool.shutdown();

    assertThat(recovered).isEqualTo(40);
    Budget budget = first.require("key_1");
    assertThat(budget.spentMicros()).isEqualTo(total);
    assertThat(budget.reservedMicros()).isZero();
    assertThat(recoveredRows(first)).isEqualTo(40);
  }

  @Test
  void aPausedInstanceThatWasRecoveredCannotReserveUntilItRegistersAgain() throws Exception {
    PostgresStore survivor = instance(Duration.ofMinutes(1)); // its own sweep waits 20 s
    PostgresStore paused = instance();
    survivor.open("key_1", 1_000, 0, T0);
    assertThat(paused.reserve(new Reservation("r_before", "key_1", 100, T0))).isTrue();
    paused.pauseLease();
    Thread.sleep(LEASE.toMillis() + 200);

    assertThat(survivor.recoverExpiredInstances(T0.plusSeconds(5))).isEqualTo(1);

    // its row is gone: a reservation it still tries fails on the fence, and takes nothing
    assertThatThrownBy(() -> paused.take(new Reservation("r_after", "key_1", 100, T0)))
        .isInstanceOf(RuntimeException.class);
    assertThat(survivor.require("key_1").reservedMicros()).isZero();
    assertThat(survivor.require("key_1").spentMicros()).isEqualTo(100);
    // its late settlement finds nothing: charged once, in full
    assertThat(
            paused.settle(TestData.settlement(new Reservation("r_before", "key_1", 100, T0), 40)))
        .isFalse();
    assertThat(survivor.require("key_1").spentMicros()).isEqualTo(100);
  }

  @Test
  void closingRecoversWhatTheInstanceHeldAndLeavesTheInstanceList() {
    PostgresStore staying = instance();
    PostgresStore leaving = instance();
    staying.open("key_1", 1_000, 0, T0);
    assertThat(leaving.take(new Reservation("r_open", "key_1", 250, T0)))
        .isEqualTo(ReserveResult.RESERVED);

    leaving.close();

    assertThat(staying.require("key_1").reservedMicros()).isZero();
    assertThat(staying.require("key_1").spentMicros()).isEqualTo(250);
    assertThat(instances(staying)).containsExactly(staying.instanceId().orElseThrow());
  }

  @Test
  void recoveryAtStartLeavesTheReservationsOfLiveInstancesAlone() {
    PostgresStore running = instance();
    running.open("key_1", 1_000, 0, T0);
    assertThat(running.reserve(new Reservation("r_live", "key_1", 100, T0))).isTrue();

    PostgresStore starting = instance();
    assertThat(starting.recoverOpenReservations(T0.plusSeconds(60))).isZero();

    assertThat(openReservations(running)).containsExactly("r_live");
  }

  private static Budget awaitReserved(PostgresStore store, long reserved) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      Budget budget = store.require("key_1");
      if (budget.reservedMicros() == reserved) {
        return budget;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not recovered within 10 s: " + store.require("key_1"));
  }

  private static String instanceOf(PostgresStore store, String reservation) {
    return store
        .database()
        .read(
            handle ->
                handle
                    .createQuery("SELECT instance_id FROM reservations WHERE id = :id")
                    .bind("id", reservation)
                    .mapTo(String.class)
                    .one());
  }

  private static List<String> instances(PostgresStore store) {
    return store
        .database()
        .read(handle -> handle.createQuery("SELECT id FROM instances").mapTo(String.class).list());
  }

  private static List<String> openReservations(PostgresStore store) {
    return store
        .database()
        .read(
            handle -> handle.createQuery("SELECT id FROM reservations").mapTo(String.class).list());
  }

  private static long recoveredRows(PostgresStore store) {
    return store
        .database()
        .read(
            handle ->
                handle
                    .createQuery("SELECT count(*) FROM request_log WHERE basis = 'recovered'")
                    .mapTo(Long.class)
                    .one());
  }
}
