package dev.pouch.adapters.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
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
                                  "INSERT INTO budgets (key_id, limit_micros, spent_micros,"
                                      + " reserved_micros, period_started_at,"
                                      + " reset_period_seconds) VALUES ('k', 10, -1, 0, 0, 0)")))
          .hasMessageContaining("CHECK constraint failed");
    }
  }
}
