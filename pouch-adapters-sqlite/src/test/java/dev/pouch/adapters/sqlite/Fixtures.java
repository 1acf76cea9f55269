package dev.pouch.adapters.sqlite;

import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.domain.budget.Budget;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Opening stores and reading their tables; test data comes from the testkit's {@code TestData}. */
final class Fixtures {
  private Fixtures() {}

  static SqliteStore open(Path dir) {
    return SqliteStore.open(dir.resolve("pouch.db"));
  }

  /** A store whose reservations are synced as {@code reservationSync} says. */
  static SqliteStore open(Path dir, ReservationSync reservationSync) {
    return SqliteStore.open(dir.resolve("pouch.db"), reservationSync);
  }

  /** A store for a file that other stores write too. */
  static SqliteStore openShared(Path dir) {
    return SqliteStore.openShared(dir.resolve("pouch.db"));
  }

  /** A key's budget row as the file holds it, past any budget the store keeps in memory. */
  static Budget budgetInFile(SqliteStore store, String keyId) {
    return store
        .database()
        .read(
            handle ->
                handle
                    .createQuery(
                        "SELECT limit_micros, spent_micros, reserved_micros, period_started_at,"
                            + " reset_period_seconds FROM budgets WHERE owner_id = :key_id AND position = 0")
                    .bind("key_id", keyId)
                    .map(
                        (rs, context) ->
                            new Budget(
                                rs.getLong(1),
                                rs.getLong(2),
                                rs.getLong(3),
                                Instant.ofEpochMilli(rs.getLong(4)),
                                rs.getLong(5)))
                    .one());
  }

  /** The one number {@code sql} selects, read straight from the store's tables. */
  static long count(SqliteStore store, String sql) {
    return store.database().read(handle -> handle.createQuery(sql).mapTo(Long.class).one());
  }

  /** The strings {@code sql} selects. */
  static List<String> strings(SqliteStore store, String sql) {
    return store.database().read(handle -> handle.createQuery(sql).mapTo(String.class).list());
  }
}
