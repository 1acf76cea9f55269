package dev.pouch.adapters.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations: the SQL files under {@code migrations/}, applied in version order,
 * each in its own transaction together with its row in {@code schema_version}. Reopening a database
 * applies only the versions it lacks; a database from a newer build is refused.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  /** Every migration, oldest first. A new file must be added here. */
  static final List<String> FILES =
      List.of(
          "V1__init.sql",
          "V2__priced_as.sql",
          "V3__key_suspension.sql",
          "V4__request_log_cursor.sql",
          "V5__reservations_in_flight.sql",
          "V6__client_request_id.sql",
          "V7__stored_responses.sql",
          "V8__budget_layers.sql",
          "V9__teams.sql",
          "V10__undelivered_notices.sql",
          "V11__end_users.sql",
          "V12__request_upstream.sql",
          "V13__request_rollups.sql");

  private static final Pattern NAME = Pattern.compile("V(\\d+)__\\w+\\.sql");

  private Migrations() {}

  /** Applies the missing migrations on the writer handle (autocommit, no other user yet). */
  static void apply(Handle handle) {
    handle.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
            + " version INTEGER NOT NULL PRIMARY KEY,"
            + " name TEXT NOT NULL,"
            + " applied_at INTEGER NOT NULL) STRICT");
    int latest = version(FILES.get(FILES.size() - 1));
    int current = currentVersion(handle);
    if (current > latest) {
      throw new IllegalStateException(
          "database schema version " + current + " is newer than this build (" + latest + ")");
    }
    int applied = 0;
    for (String file : FILES) {
      if (applyOne(handle, version(file), file)) {
        applied++;
      }
    }
    log.atInfo()
        .addKeyValue("from", current)
        .addKeyValue("to", latest)
        .addKeyValue("migrations", applied)
        .log("schema migrated");
  }

  /** The version this build migrates to. */
  static int latestVersion() {
    return version(FILES.get(FILES.size() - 1));
  }

  /** The highest applied version, 0 for a new database. */
  static int currentVersion(Handle handle) {
    return handle
        .select("SELECT coalesce(max(version), 0) FROM schema_version")
        .mapTo(Integer.class)
        .one();
  }

  private static boolean applyOne(Handle handle, int version, String file) {
    String script = load(file);
    boolean applied =
        Transactions.inTransaction(
            handle,
            h -> {
              // checked inside the write transaction: another process may have migrated meanwhile
              boolean done =
                  h.select("SELECT 1 FROM schema_version WHERE version = ?", version)
                      .mapTo(Integer.class)
                      .findOne()
                      .isPresent();
              if (done) {
                return Outcome.rollback(false);
              }
              h.createScript(script).execute();
              h.execute(
                  "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                  version,
                  file,
                  System.currentTimeMillis());
              return Outcome.commit(true);
            });
    if (applied) {
      log.atInfo()
          .addKeyValue("version", version)
          .addKeyValue("file", file)
          .log("migration applied");
    }
    return applied;
  }

  static int version(String file) {
    Matcher matcher = NAME.matcher(file);
    if (!matcher.matches()) {
      throw new IllegalStateException("migration file name must look like V1__name.sql: " + file);
    }
    return Integer.parseInt(matcher.group(1));
  }

  private static String load(String file) {
    String resource = "migrations/" + file;
    try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("migration missing from the classpath: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read migration " + resource, e);
    }
  }
}
