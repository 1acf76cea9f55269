package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.ReservationSync;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The PostgreSQL server of the tests, from {@code POUCH_TEST_POSTGRES_URL}; every store opened here
 * works in its test class's own schema, emptied for each store and dropped after the class
 * ({@code @ExtendWith}). Without the variable a test fails, saying how to start a server: never
 * skipped silently.
 */
final class TestDatabase implements AfterAllCallback {
  static final String VARIABLE = "POUCH_TEST_POSTGRES_URL";

  private static final List<String> CREATED = new CopyOnWriteArrayList<>();

  /** The server's URL, in its default schema. */
  static PostgresUrl url() {
    String url = System.getenv(VARIABLE);
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          VARIABLE
              + " is not set: these tests need a PostgreSQL server. Run bin/test (it starts one),"
              + " or start one yourself and set e.g. "
              + VARIABLE
              + "=postgresql://pouch@127.0.0.1:55432/pouch_test");
    }
    return PostgresUrl.parse(url.strip());
  }

  /**
   * The schema of a test class, created the first time (its name from the class and this JVM, so
   * that runs at once never share one).
   */
  static PostgresUrl schemaOf(Class<?> testClass) {
    return schemaOf(testClass, "");
  }

  /** Another schema of the test class, for tests that must not share one. */
  static PostgresUrl schemaOf(Class<?> testClass, String suffix) {
    String name =
        (testClass.getSimpleName() + suffix).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    String schema = "t_" + name + "_" + ProcessHandle.current().pid();
    if (!CREATED.contains(schema)) {
      CREATED.add(schema);
    }
    return url().inSchema(schema);
  }

  /** A store on the test class's schema, every table empty: as fresh as a new schema. */
  static PostgresStore open(Class<?> testClass) {
    return open(testClass, ReservationSync.NOW);
  }

  /** As {@link #open(Class)}, its reservations synced as {@code reservationSync} says. */
  static PostgresStore open(Class<?> testClass, ReservationSync reservationSync) {
    PostgresStore store =
        PostgresStore.open(schemaOf(testClass), PostgresStore.DEFAULT_LEASE, reservationSync);
    // DELETE, not TRUNCATE: on tables this small it is ten times faster
    store
        .database()
        .write(
            handle ->
                handle
                    .createScript(
                        "DELETE FROM app_keys; DELETE FROM teams; DELETE FROM budgets;"
                            + " DELETE FROM reservations; DELETE FROM budget_periods;"
                            + " DELETE FROM request_log; DELETE FROM stored_responses;"
                            + " DELETE FROM undelivered_notices; DELETE FROM request_rollups")
                    .execute());
    return store;
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    PostgresUrl url = url();
    try (Connection connection =
            DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement statement = connection.createStatement()) {
      for (String schema : CREATED) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        CREATED.remove(schema);
      }
    }
  }
}
