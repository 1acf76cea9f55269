package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.adapters.jdbc.RequestRecordRows;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.testkit.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
  @TempDir Path dir;

  @Test
  void everyMigrationFileIsListedInVersionOrder() throws IOException, URISyntaxException {
    Path folder = Path.of(Migrations.class.getResource("migrations").toURI());
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(Migrations.FILES);
    }
    List<Integer> versions = Migrations.FILES.stream().map(Migrations::version).toList();
    assertThat(versions).isEqualTo(IntStream.rangeClosed(1, versions.size()).boxed().toList());
  }

  @Test
  void reopeningAppliesNothingTwice() {
    SqliteStore.open(dir.resolve("pouch.db")).close();
    try (SqliteStore store = SqliteStore.open(dir.resolve("pouch.db"))) {
      assertThat(Fixtures.strings(store, "SELECT version || ':' || name FROM schema_version"))
          .containsExactlyElementsOf(
              Migrations.FILES.stream().map(f -> Migrations.version(f) + ":" + f).toList());
      assertThat(Fixtures.strings(store, "PRAGMA journal_mode")).containsExactly("wal");
      // the writer's own settings: FULL (2) makes every commit durable, and foreign keys are on
      String writerPragmas = store.database().write(MigrationsTest::pragmas);
      assertThat(writerPragmas).isEqualTo("2,1,5000");
    }
  }

  private static String pragmas(Handle handle) {
    return handle
        .select(
            "SELECT (SELECT synchronous FROM pragma_synchronous) || ','"
                + " || (SELECT foreign_keys FROM pragma_foreign_keys) || ','"
                + " || (SELECT timeout FROM pragma_busy_timeout)")
        .mapTo(String.class)
        .one();
  }

  @Test
  void version5KeepsOnlyOpenReservationsAndTheSettledIdsStayTaken() throws IOException {
    Path file = dir.resolve("pouch.db");
    Jdbi.create("jdbc:sqlite:" + file).useHandle(MigrationsTest::buildVersion4WithTwoReservations);

    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(Fixtures.strings(store, "SELECT id FROM reservations")).containsExactly("r2");
      assertThat(
              Fixtures.strings(
                  store,
                  "SELECT name FROM sqlite_schema WHERE tbl_name = 'reservations' ORDER BY name"))
          .as("keyed by id without a rowid: no index of its own")
          .containsExactly("reservations");
      // r1 was settled before the migration: its log row keeps the id taken
      assertThat(store.reserve(new Reservation("r1", "key_1", 300, T0))).isTrue();
      assertThat(store.require("key_1").reservedMicros()).isEqualTo(200);
      // r2 was open: recovery still finds it and charges it in full
      assertThat(store.recoverOpenReservations(T0.plusSeconds(60))).isEqualTo(1);
      assertThat(store.require("key_1").spentMicros()).isEqualTo(320);
      assertThat(store.require("key_1").reservedMicros()).isZero();
    }
  }

  @Test
  void version8MakesEachKeysBudgetItsFirstAndKeepsReservationsAndHistory() throws IOException {
    Path file = dir.resolve("pouch.db");
    Jdbi.create("jdbc:sqlite:" + file)
        .useHandle(MigrationsTest::buildVersion7WithAnOpenReservation);

    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(store.budgets("key_1")).containsExactly(new Budget(1_000, 120, 200, T0, 60));
      assertThat(store.budgets("key_2")).containsExactly(new Budget(0, 0, 0, T0, 0));
      assertThat(
              Fixtures.strings(
                  store,
                  "SELECT owner_id || ',' || position || ',' || spent_micros FROM budget_periods"))
          .containsExactly("key_1,0,80");
      // the open reservation settles into the key's first budget, once
      Reservation open = new Reservation("r2", "key_1", 200, T0);
      assertThat(store.settle(TestData.settlement(open, 150))).isTrue();
      assertThat(store.settle(TestData.settlement(open, 150))).isFalse();
      assertThat(store.require("key_1")).isEqualTo(new Budget(1_000, 270, 0, T0, 60));
      // and the key takes a second budget next to it
      store.configure("key_1", List.of(new BudgetTerms(1_000, 60), new BudgetTerms(500, 0)), T0);
      assertThat(store.reserve(new Reservation("r3", "key_1", 501, T0))).isFalse();
      assertThat(store.reserve(new Reservation("r3", "key_1", 500, T0))).isTrue();
    }
  }

  @Test
  void version11KeepsAnOpenReservationOfVersion10WhichRecoversNamingNoEndUser() throws IOException {
    Path file = dir.resolve("pouch.db");
    Jdbi.create("jdbc:sqlite:" + file)
        .useHandle(
            handle -> {
              handle.execute(
                  "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,"
                      + " name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
              for (String migration : Migrations.FILES.subList(0, 10)) {
                try (InputStream in =
                    MigrationsTest.class.getResourceAsStream("migrations/" + migration)) {
                  handle
                      .createScript(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                      .execute();
                }
                handle.execute(
                    "INSERT INTO schema_version VALUES (?, ?, 0)",
                    Migrations.version(migration),
                    migration);
              }
              long t0 = T0.toEpochMilli();
              handle.execute(
                  "INSERT INTO budgets (id, owner_id, position, limit_micros, spent_micros,"
                      + " reserved_micros, period_started_at, reset_period_seconds)"
                      + " VALUES (1, 'key_1', 0, 1000, 0, 200, ?, 0)",
                  t0);
              handle.execute(
                  "INSERT INTO reservations (id, key_id, amount_micros, created_at, budget_ids)"
                      + " VALUES ('r1', 'key_1', 200, ?, '[1]')",
                  t0);
            });

    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(store.recoverOpenReservations(T0.plusSeconds(60))).isEqualTo(1);
      assertThat(store.require("key_1")).isEqualTo(new Budget(1_000, 200, 0, T0, 0));
      assertThat(store.list("key_1", null, 10))
          .singleElement()
          .satisfies(row -> assertThat(row.endUserId()).isNull());
    }
  }

  /** The schema of version 7, two budgets, a closed period and an open reservation. */
  private static void buildVersion7WithAnOpenReservation(Handle handle) throws IOException {
    handle.execute(
        "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,"
            + " name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
    for (String migration : Migrations.FILES.subList(0, 7)) {
      try (InputStream in = MigrationsTest.class.getResourceAsStream("migrations/" + migration)) {
        handle.createScript(new String(in.readAllBytes(), StandardCharsets.UTF_8)).execute();
      }
      handle.execute(
          "INSERT INTO schema_version VALUES (?, ?, 0)", Migrations.version(migration), migration);
    }
    long t0 = T0.toEpochMilli();
    handle.execute("INSERT INTO budgets VALUES ('key_1', 1000, 120, 200, ?, 60)", t0);
    handle.execute("INSERT INTO budgets VALUES ('key_2', 0, 0, 0, ?, 0)", t0);
    handle.execute("INSERT INTO reservations VALUES ('r2', 'key_1', 200, ?)", t0);
    handle.execute(
        "INSERT INTO budget_periods (key_id, started_at, ended_at, limit_micros, spent_micros)"
            + " VALUES ('key_1', ?, ?, 1000, 80)",
        t0 - 60_000,
        t0);
  }

  /** The schema of version 4, a budget, a settled reservation with its log row and an open one. */
  private static void buildVersion4WithTwoReservations(Handle handle) throws IOException {
    handle.execute(
        "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,"
            + " name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
    for (String migration : Migrations.FILES.subList(0, 4)) {
      try (InputStream in = MigrationsTest.class.getResourceAsStream("migrations/" + migration)) {
        handle.createScript(new String(in.readAllBytes(), StandardCharsets.UTF_8)).execute();
      }
      handle.execute(
          "INSERT INTO schema_version VALUES (?, ?, 0)", Migrations.version(migration), migration);
    }
    long t0 = T0.toEpochMilli();
    handle.execute("INSERT INTO budgets VALUES ('key_1', 1000, 120, 200, ?, 0)", t0);
    handle.execute(
        "INSERT INTO reservations VALUES ('r1', 'key_1', 300, ?, ?, 120, 'usage_reported')",
        t0,
        t0 + 5);
    handle.execute("INSERT INTO reservations VALUES ('r2', 'key_1', 200, ?, NULL, NULL, NULL)", t0);
    handle.execute(
        "INSERT INTO request_log (request_id, key_id, model, created_at, status, streamed,"
            + " prompt_tokens, cached_prompt_tokens, completion_tokens, reserved_micros,"
            + " cost_micros, basis, overrun_micros, latency_millis, error_code, priced_as)"
            + " VALUES ('r1', 'key_1', 'gpt-4o-mini', ?, 200, 0, 10, 0, 5, 300, 120,"
            + " 'usage_reported', 0, 5, NULL, NULL)",
        t0);
  }

  @Test
  void version13TotalsTheRowsLoggedBeforeItSoPruningThemChangesNoUsage() throws IOException {
    Path file = dir.resolve("pouch.db");
    Jdbi.create("jdbc:sqlite:" + file)
        .useHandle(
            handle -> {
              handle.execute(
                  "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,"
                      + " name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
              for (String migration : Migrations.FILES.subList(0, 12)) {
                try (InputStream in =
                    MigrationsTest.class.getResourceAsStream("migrations/" + migration)) {
                  handle
                      .createScript(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                      .execute();
                }
                handle.execute(
                    "INSERT INTO schema_version VALUES (?, ?, 0)",
                    Migrations.version(migration),
                    migration);
              }
              for (int i = 0; i < 3; i++) {
                handle.execute(
                    "INSERT INTO request_log ("
                        + RequestRecordRows.COLUMNS
                        + ") VALUES"
                        + " (?, 'key_1', 'gpt-4o-mini', ?, 200, 0, 10, 0, 5, 300, 120,"
                        + " 'usage_reported', 0, 5, NULL, NULL, NULL, NULL, NULL)",
                    "r" + i,
                    T0.toEpochMilli() + i * 1_800_000L); // two in the first hour, one in the next
              }
            });

    try (SqliteStore store = SqliteStore.open(file)) {
      Instant day = T0.plusSeconds(86_400);
      List<UsageBucket> before = store.usage("key_1", T0, day, 3_600);
      assertThat(before)
          .containsExactly(
              new UsageBucket(T0, 2, 20, 10, 240),
              new UsageBucket(T0.plusSeconds(3_600), 1, 10, 5, 120));

      assertThat(store.prune(day, 100)).isEqualTo(3);

      assertThat(store.usage("key_1", T0, day, 3_600)).isEqualTo(before);
      store.append(TestData.record("after", "key_1", T0.plusSeconds(60), 7));
      assertThat(store.usage("key_1", T0, day, 86_400))
          .as("rows logged after the migration add to the same totals")
          .containsExactly(new UsageBucket(T0, 4, 150, 45, 367));
    }
  }

  @Test
  void databaseFromANewerBuildIsRefused() {
    try (SqliteStore store = SqliteStore.open(dir.resolve("pouch.db"))) {
      store
          .database()
          .write(
              handle ->
                  handle.execute(
                      "INSERT INTO schema_version (version, name, applied_at)"
                          + " VALUES (99, 'V99__future.sql', 0)"));
    }

    assertThatThrownBy(() -> SqliteStore.open(dir.resolve("pouch.db")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("newer than this build");
  }

  @Test
  void moneyColumnsRefuseNegativeAmounts() {
    try (SqliteStore store = SqliteStore.open(dir.resolve("pouch.db"))) {
      assertThatThrownBy(
              () ->
                  store
                      .database()
                      .write(
                          handle ->
                              handle.execute(
                                  "INSERT INTO budgets (owner_id, position, limit_micros, spent_micros,"
                                      + " reserved_micros, period_started_at,"
                                      + " reset_period_seconds) VALUES ('k', 0, 10, -1, 0, 0, 0)")))
          .hasMessageContaining("CHECK constraint failed");
    }
  }
}
