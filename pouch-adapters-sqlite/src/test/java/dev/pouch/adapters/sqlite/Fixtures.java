package dev.pouch.adapters.sqlite;

import java.nio.file.Path;
import java.util.List;

/** Opening stores and reading their tables; test data comes from the testkit's {@code TestData}. */
final class Fixtures {
  private Fixtures() {}

  static SqliteStore open(Path dir) {
    return SqliteStore.open(dir.resolve("pouch.db"));
  }

  /** A store for a file that other stores write too. */
  static SqliteStore openShared(Path dir) {
    return SqliteStore.openShared(dir.resolve("pouch.db"));
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
