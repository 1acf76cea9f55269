package dev.pouch.adapters.postgres;

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
 * Versioned schema migrations: the SQL files under {@code migrations/}, applied in version order
 * with a row each in {@code schema_version}. PostgreSQL's DDL is transactional, so all missing
 * versions are applied in one transaction that holds an advisory lock on the schema: two processes
 * starting at once migrate once, and a failed migration leaves the schema as it was. A database
 * from a newer build is refused.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  /** Every migration, oldest first. A new file must be added here. */
  static final List<String> FILES =
      List.of("V1__init.sql", "V2__instance_leases.sql", "V3__request_rollups.sql");

  private static final Pattern NAME = Pattern.compile("V(\\d+)__\\w+\\.sql");

  private Migrations() {}

  /** Creates the schema if needed and applies the migrations it lacks. */
  static void apply(Database database, String schema) {
    int applied =
        database.transaction(
            handle -> {
              handle.execute(
                  "SELECT pg_advisory_xact_lock(hashtext('pouch migrations:' || ?))", schema);
              handle.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
              handle.execute(
                  "CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL PRIMARY KEY,"
                      + " name text NOT NULL, applied_at bigint NOT NULL)");
              int current = currentVersion(handle);
              if (current > latestVersion()) {
                throw new IllegalStateException(
                    "database schema version "
                        + current
                        + " is newer than this build ("
                        + latestVersion()
                        + ")");
              }
              int count = 0;
              for (String file : FILES) {
                int version = version(file);
                if (version > current) {
                  handle.createScript(load(file)).execute();
                  handle.execute(
                      "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                      version,
                      file,
                      System.currentTimeMillis());
                  log.atInfo()
                      .addKeyValue("version", version)
                      .addKeyValue("file", file)
                      .log("migration applied");
                  count++;
                }
              }
              return Outcome.commit(count);
            });
    log.atInfo()
        .addKeyValue("schema", schema)
        .addKeyValue("to", latestVersion())
        .addKeyValue("migrations", applied)
        .log("schema migrated");
  }

  /** The version this build migrates to. */
  static int latestVersion() {
    return version(FILES.get(FILES.size() - 1));
  }

  /** The highest applied version, 0 for a new schema. */
  static int currentVersion(Handle handle) {
    return handle
        .select("SELECT coalesce(max(version), 0) FROM schema_version")
        .mapTo(Integer.class)
        .one();
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
