package dev.pouch.adapters.postgres;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.testkit.TestData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What is the PostgreSQL store's own: its schema versions (its instances: {@link
 * InstanceLeaseTest}).
 */
@ExtendWith(TestDatabase.class)
class PostgresStoreTest {
  @Test
  void reopeningAppliesNoMigrationAgainAndASchemaFromANewerBuildIsRefused() {
    PostgresUrl url = TestDatabase.schemaOf(getClass(), "versions");
    try (PostgresStore store = PostgresStore.open(url)) {
      assertThat(versions(store)).isEqualTo(Migrations.latestVersion());
    }
    try (PostgresStore store = PostgresStore.open(url)) {
      assertThat(versions(store)).isEqualTo(Migrations.latestVersion());
      store
          .database()
          .write(
              handle ->
                  handle.execute(
                      "INSERT INTO schema_version VALUES (?, 'V999__future.sql', 0)",
                      Migrations.latestVersion() + 1));
    }

    assertThatThrownBy(() -> PostgresStore.open(url))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is newer than this build");
  }

  @Test
  void eachReservationIsFollowedByACommittedSynchronousWriteOfItsOwnConnection() {
    try (PostgresStore store = TestDatabase.open(getClass())) {
      store.open("key_1", 1_000, 0, java.time.Instant.EPOCH);
      long before = flushes(store);

      for (int i = 0; i < 5; i++) {
        store.reserve(
            new dev.pouch.domain.budget.Reservation("r" + i, "key_1", 10, java.time.Instant.EPOCH));
      }
      // a refusal commits nothing and needs no flush
      store.reserve(
          new dev.pouch.domain.budget.Reservation("big", "key_1", 5_000, java.time.Instant.EPOCH));

      assertThat(flushes(store) - before).isEqualTo(5);
      String synchronous =
          store
              .database()
              .read(
                  handle ->
                      handle.createQuery("SHOW synchronous_commit").mapTo(String.class).one());
      assertThat(synchronous).as("the pool's connections stay synchronous").isEqualTo("on");
    }
  }

  @Test
  void withReservationsSyncedLaterAReservationCommitsWithoutASynchronousWriteOfItsOwn() {
    PostgresStore store = TestDatabase.open(getClass(), ReservationSync.LATER);
    try (PostgresStore other = PostgresStore.open(TestDatabase.schemaOf(getClass()))) {
      store.open("key_1", 1_000, 0, T0);
      long before = flushes(store);

      for (int i = 0; i < 5; i++) {
        assertThat(store.reserve(new Reservation("r" + i, "key_1", 10, T0))).isTrue();
      }

      assertThat(flushes(store)).as("no flush of their own").isEqualTo(before);
      // committed when reserve returns: another pool sees them
      assertThat(other.require("key_1").reservedMicros()).isEqualTo(50);
      assertThat(store.settle(TestData.settlement(new Reservation("r0", "key_1", 10, T0), 7)))
          .isTrue();
      store.crash(); // what kill -9 of Pouch leaves: the database holds the commits
      assertThat(other.require("key_1").reservedMicros()).isEqualTo(40);
      assertThat(other.require("key_1").spentMicros()).isEqualTo(7);
    }
  }

  private static long flushes(PostgresStore store) {
    return store
        .database()
        .read(
            handle ->
                handle
                    .createQuery("SELECT coalesce(sum(flushes), 0) FROM wal_flushes")
                    .mapTo(Long.class)
                    .one());
  }

  @Test
  void version3TotalsTheRowsLoggedBeforeItSoPruningThemChangesNoUsage() {
    PostgresUrl url = TestDatabase.schemaOf(getClass(), "rollups");
    Instant day = T0.plusSeconds(86_400);
    try (PostgresStore store = PostgresStore.open(url)) {
      // back to version 2: a log without totals
      store
          .database()
          .write(
              handle -> {
                handle.execute("DROP TABLE request_rollups");
                handle.execute("DROP FUNCTION request_log_rollup() CASCADE");
                return handle.execute("DELETE FROM schema_version WHERE version = 3");
              });
      store.append(record("r1", "key_1", T0, 100));
      store.append(record("r2", "key_1", T0.plusSeconds(1_800), 20));
      store.append(record("r3", "key_2", T0.plusSeconds(5_400), 5));
    }

    try (PostgresStore store = PostgresStore.open(url)) {
      List<UsageBucket> hourly = store.usage(null, T0, day, 3_600);
      assertThat(hourly)
          .containsExactly(
              new UsageBucket(T0, 2, 240, 60, 120),
              new UsageBucket(T0.plusSeconds(3_600), 1, 120, 30, 5));

      assertThat(store.prune(day, 100)).isEqualTo(3);

      assertThat(store.usage(null, T0, day, 3_600)).isEqualTo(hourly);
      store.append(record("r4", "key_1", T0.plusSeconds(60), 7));
      assertThat(store.usage("key_1", T0, day, 86_400))
          .as("rows logged after the migration add to the same totals")
          .containsExactly(new UsageBucket(T0, 3, 360, 90, 127));
    }
  }

  @Test
  void storesStartingAtOnceOnANewSchemaMigrateItOnce() throws Exception {
    PostgresUrl url = TestDatabase.schemaOf(getClass(), "race");
    ExecutorService starts = Executors.newFixedThreadPool(4);
    CountDownLatch gate = new CountDownLatch(4);
    List<Future<PostgresStore>> stores = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      stores.add(
          starts.submit(
              () -> {
                gate.countDown();
                gate.await();
                return PostgresStore.openUnclaimed(url);
              }));
    }
    try {
      for (Future<PostgresStore> store : stores) {
        assertThat(store.get(60, TimeUnit.SECONDS).isReady()).isTrue();
      }
      assertThat(versions(stores.get(0).get())).isEqualTo(Migrations.latestVersion());
    } finally {
      for (Future<PostgresStore> store : stores) {
        store.get().close();
      }
      starts.shutdown();
    }
  }

  @Test
  void aServerThatIsNotThereIsNamedWithoutThePassword() {
    PostgresUrl nowhere = PostgresUrl.parse("postgresql://pouch:s3cret@127.0.0.1:1/none");

    assertThatThrownBy(() -> PostgresStore.open(nowhere))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/none")
        .hasMessageNotContaining("s3cret");
  }

  private static long versions(PostgresStore store) {
    return store
        .database()
        .read(
            handle ->
                handle.createQuery("SELECT count(*) FROM schema_version").mapTo(Long.class).one());
  }
}
