package dev.pouch.server;

import dev.pouch.adapters.postgres.PostgresStore;
import dev.pouch.adapters.postgres.PostgresUrl;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyChanges;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The store the server runs on: SQLite in the data folder (the default), or PostgreSQL ({@code
 * --store}). Either one object implements every store port; this holds it once under each.
 *
 * @param keys the keys
 * @param ledger the budgets and reservations
 * @param teams the teams
 * @param requestLog the request log
 * @param storedResponses the Responses API answers served
 * @param undeliveredNotices the webhook notices kept
 * @param keyChanges how key changes reach the other instances on the store (none on SQLite: one
 *     process per data folder)
 * @param ready whether the store answers (for {@code /readyz})
 * @param backup writes an online copy to a file ({@code POST /api/backup})
 * @param needsDataLock whether the store is a file of the data folder that one process may write
 * @param closer closes the store
 */
record Store(
    KeyRepository keys,
    BudgetLedger ledger,
    TeamRepository teams,
    RequestLog requestLog,
    StoredResponses storedResponses,
    UndeliveredNotices undeliveredNotices,
    KeyChanges keyChanges,
    BooleanSupplier ready,
    Consumer<Path> backup,
    boolean needsDataLock,
    AutoCloseable closer) {

  /** The store {@code config} names. */
  static Store open(ServerConfig config) {
    PostgresUrl postgres = config.postgres();
    return postgres == null
        ? sqlite(SqliteStore.open(config.dataDir().resolve("pouch.db"), config.reservationSync()))
        : postgres(PostgresStore.open(postgres, config.instanceLease(), config.reservationSync()));
  }

  private static Store sqlite(SqliteStore store) {
    return new Store(
        store,
        store,
        store,
        store,
        store,
        store.undeliveredNotices(),
        KeyChanges.NONE,
        store::isReady,
        store::backupTo,
        true,
        store);
  }

  private static Store postgres(PostgresStore store) {
    return new Store(
        store,
        store,
        store,
        store,
        store,
        store.undeliveredNotices(),
        store.keyChanges(),
        store::isReady,
        file -> {
          throw new RequestRejectedException(
              ErrorCode.UNSUPPORTED_OPERATION,
              "This server keeps its data in PostgreSQL: back it up with pg_dump.");
        },
        false,
        store);
  }

  /** Closes the store. */
  void close() {
    try {
      closer.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot close the store", e);
    }
  }
}
