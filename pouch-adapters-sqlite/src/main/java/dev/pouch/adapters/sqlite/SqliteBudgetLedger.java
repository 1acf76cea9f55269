package dev.pouch.adapters.sqlite;

import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BudgetLedger} on the {@code budgets}, {@code reservations} and {@code budget_periods}
 * tables. {@code reservations} holds the requests in flight only: a settlement deletes its row and
 * writes the request-log row that stays. The budget rule lives in one guarded {@code UPDATE}:
 * SQLite's write lock, not Java code, decides who gets the last cent, so the rule also holds
 * between processes sharing the file.
 */
final class SqliteBudgetLedger implements BudgetLedger {
  private static final Logger log = LoggerFactory.getLogger(SqliteBudgetLedger.class);

  private static final String BUDGET_COLUMNS =
      "key_id, limit_micros, spent_micros, reserved_micros, period_started_at,"
          + " reset_period_seconds";

  /** Every change of a budget row returns the row, for the {@link BudgetCache}. */
  private static final String RETURNING = " RETURNING " + BUDGET_COLUMNS;

  private static final String SELECT_BUDGET =
      "SELECT " + BUDGET_COLUMNS + " FROM budgets WHERE key_id = :key_id";

  /**
   * ?1 id, ?2 key, ?3 amount, ?4 time. Inserts nothing for an id that is in flight, or that was
   * settled: a settlement deletes its reservation, and its request-log row, which always has a
   * basis (rows of requests that reserved nothing may not), is what remains.
   */
  private static final String INSERT_RESERVATION =
      "INSERT INTO reservations (id, key_id, amount_micros, created_at) SELECT ?1, ?2, ?3, ?4"
          + " WHERE NOT EXISTS (SELECT 1 FROM request_log"
          + " WHERE request_id = ?1 AND basis IS NOT NULL)"
          + " ON CONFLICT (id) DO NOTHING";

  /**
   * ?1 amount, ?2 key. Also refuses when the key has no budget row. Written so that no sum can
   * overflow.
   */
  private static final String TAKE =
      "UPDATE budgets SET reserved_micros = reserved_micros + ?1 WHERE key_id = ?2"
          + " AND (limit_micros = 0 OR ?1 <= limit_micros - spent_micros - reserved_micros)"
          + " AND ?1 <= 9223372036854775807 - spent_micros - reserved_micros"
          + RETURNING;

  /** The table holds requests in flight only: settling a reservation deletes it. */
  private static final String TAKE_OUT =
      "DELETE FROM reservations WHERE id = ? RETURNING key_id, amount_micros";

  /**
   * ?1 reserved amount, ?2 charge, ?3 key. SQLite turns an integer sum that overflows into a float:
   * the spend saturates at the largest integer instead (far beyond any limit, so still refused).
   */
  private static final String CHARGE =
      "UPDATE budgets SET reserved_micros = reserved_micros - ?1, spent_micros = CASE"
          + " WHEN ?2 > 9223372036854775807 - spent_micros THEN 9223372036854775807"
          + " ELSE spent_micros + ?2 END WHERE key_id = ?3"
          + RETURNING;

  private static final String RECOVERED_MODEL = "(recovered)";
  private static final String RECOVERED_ERROR = "recovered";
  private static final int RECOVERED_STATUS = 500;

  private final Database database;
  private final BudgetCache cache; // null: every read goes to the file

  /**
   * @param cache the budgets in memory when this process is the file's only writer, or null when
   *     other processes write the file too
   */
  SqliteBudgetLedger(Database database, BudgetCache cache) {
    this.database = database;
    this.cache = cache;
  }

  @Override
  public void open(String keyId, long limitMicros, long resetPeriodSeconds, Instant periodStart) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(periodStart, "periodStart");
    requireNotNegative(limitMicros, resetPeriodSeconds);
    database.write(
        handle -> {
          handle.execute(
              "INSERT INTO budgets ("
                  + BUDGET_COLUMNS
                  + ") VALUES (?, ?, 0, 0, ?, ?)"
                  + " ON CONFLICT (key_id) DO NOTHING",
              keyId,
              limitMicros,
              periodStart.toEpochMilli(),
              resetPeriodSeconds);
          selectBudget(handle, keyId).ifPresent(budget -> cacheWhenCommitted(keyId, budget));
          return null;
        });
  }

  @Override
  public Optional<Budget> find(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    Budget cached = cache == null ? null : cache.get(keyId);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<Budget> read = database.read(handle -> selectBudget(handle, keyId));
    return cache == null ? read : read.map(budget -> cache.read(keyId, budget));
  }

  @Override
  public Map<String, Budget> findAll() {
    return Collections.unmodifiableMap(database.read(SqliteBudgetLedger::selectAll));
  }

  @Override
  public boolean reserve(Reservation reservation) {
    Objects.requireNonNull(reservation, "reservation");
    boolean reserved =
        database.transaction(
            handle -> {
              int inserted =
                  WriterStatements.update(
                      handle,
                      INSERT_RESERVATION,
                      reservation.id(),
                      reservation.keyId(),
                      reservation.amountMicros(),
                      reservation.createdAt().toEpochMilli());
              if (inserted == 0) {
                return Outcome.rollback(true); // in flight or settled: idempotent, take no more
              }
              Budget taken =
                  WriterStatements.one(
                      handle,
                      TAKE,
                      SqliteBudgetLedger::budgetRow,
                      reservation.amountMicros(),
                      reservation.keyId());
              // a refusal rolls the reservation row back with it: it leaves no trace
              if (taken == null) {
                return Outcome.rollback(false);
              }
              cacheWhenCommitted(reservation.keyId(), taken);
              return Outcome.commit(true);
            });
    if (!reserved) {
      log.atDebug()
          .addKeyValue("key", reservation.keyId())
          .addKeyValue("reservation", reservation.id())
          .addKeyValue("amount_micros", reservation.amountMicros())
          .log("reservation refused");
    }
    return reserved;
  }

  @Override
  public boolean settle(Settlement settlement) {
    Objects.requireNonNull(settlement, "settlement");
    return database.transaction(
        handle -> {
          ReservedAmount reserved =
              WriterStatements.one(
                  handle,
                  TAKE_OUT,
                  row -> new ReservedAmount(row.getString(1), row.getLong(2)),
                  settlement.reservationId());
          if (reserved == null) {
            return Outcome.rollback(false); // settled before, or never reserved
          }
          Budget charged =
              WriterStatements.one(
                  handle,
                  CHARGE,
                  SqliteBudgetLedger::budgetRow,
                  reserved.amountMicros(),
                  settlement.actualMicros(),
                  reserved.keyId());
          if (charged == null) {
            throw new IllegalStateException("reservation without a budget: " + reserved.keyId());
          }
          cacheWhenCommitted(reserved.keyId(), charged);
          RequestRows.insert(handle, settlement.record());
          if (settlement.actualMicros() > reserved.amountMicros()) {
            log.atWarn()
                .addKeyValue("key", reserved.keyId())
                .addKeyValue("reservation", settlement.reservationId())
                .addKeyValue("reserved_micros", reserved.amountMicros())
                .addKeyValue("actual_micros", settlement.actualMicros())
                .log("settlement overran its reservation: charged in full");
          }
          return Outcome.commit(true);
        },
        // synced by the next synced commit (ARCHITECTURE D21): a power loss before it leaves the
        // reservation counted, to be recovered in full
        Sync.LATER);
  }

  @Override
  public void configure(String keyId, long limitMicros, long resetPeriodSeconds) {
    Objects.requireNonNull(keyId, "keyId");
    requireNotNegative(limitMicros, resetPeriodSeconds);
    boolean changed =
        database.write(
            handle -> {
              Optional<Budget> budget =
                  handle
                      .createQuery(
                          "UPDATE budgets SET limit_micros = :limit,"
                              + " reset_period_seconds = :period WHERE key_id = :key_id"
                              + RETURNING)
                      .bind("limit", limitMicros)
                      .bind("period", resetPeriodSeconds)
                      .bind("key_id", keyId)
                      .map(SqliteBudgetLedger::budget)
                      .findOne();
              budget.ifPresent(changedBudget -> cacheWhenCommitted(keyId, changedBudget));
              return budget.isPresent();
            });
    if (!changed) {
      throw new IllegalStateException("key has no budget: " + keyId);
    }
  }

  @Override
  public boolean startPeriod(String keyId, Instant expectedStart, Instant newStart) {
    Objects.requireNonNull(keyId, "keyId");
    long expected = expectedStart.toEpochMilli();
    long next = newStart.toEpochMilli();
    boolean started =
        database.transaction(
            handle -> {
              // the history row is written only where the period still began at expectedStart
              int closed =
                  handle.execute(
                      "INSERT INTO budget_periods"
                          + " (key_id, started_at, ended_at, limit_micros, spent_micros)"
                          + " SELECT key_id, period_started_at, ?, limit_micros, spent_micros"
                          + " FROM budgets WHERE key_id = ? AND period_started_at = ?",
                      next,
                      keyId,
                      expected);
              if (closed == 0) {
                return Outcome.rollback(false);
              }
              handle
                  .createQuery(
                      "UPDATE budgets SET spent_micros = 0, period_started_at = :next"
                          + " WHERE key_id = :key_id AND period_started_at = :expected"
                          + RETURNING)
                  .bind("next", next)
                  .bind("key_id", keyId)
                  .bind("expected", expected)
                  .map(SqliteBudgetLedger::budget)
                  .findOne()
                  .ifPresent(budget -> cacheWhenCommitted(keyId, budget));
              return Outcome.commit(true);
            });
    if (started) {
      log.atInfo()
          .addKeyValue("key", keyId)
          .addKeyValue("period_start", newStart)
          .log("budget period started");
    }
    return started;
  }

  @Override
  public int recoverOpenReservations(Instant now) {
    long settledAt = now.toEpochMilli();
    String basis = RequestRows.basisColumn(SettlementBasis.RECOVERED);
    int recovered =
        database.transaction(
            handle -> {
              // 1. one request-log row per open reservation, charged at its full amount
              handle
                  .createUpdate(
                      "INSERT INTO request_log ("
                          + RequestRows.COLUMNS
                          + ") SELECT id, key_id, :model, created_at, :status, 0, 0, 0, 0,"
                          + " amount_micros, amount_micros, :basis, 0,"
                          + " max(0, :now - created_at), :error, NULL, NULL FROM reservations"
                          + " ORDER BY created_at")
                  .bind("model", RECOVERED_MODEL)
                  .bind("status", RECOVERED_STATUS)
                  .bind("basis", basis)
                  .bind("now", settledAt)
                  .bind("error", RECOVERED_ERROR)
                  .execute();
              // 2. move each key's open amounts from reserved to spent
              handle
                  .createUpdate(
                      "UPDATE budgets SET reserved_micros = reserved_micros - pending.amount,"
                          + " spent_micros = spent_micros + pending.amount FROM (SELECT key_id,"
                          + " sum(amount_micros) AS amount FROM reservations GROUP BY key_id)"
                          + " AS pending WHERE budgets.key_id = pending.key_id")
                  .execute();
              // 3. close them: the request log now holds what they cost
              int closed = handle.createUpdate("DELETE FROM reservations").execute();
              if (closed > 0) {
                selectAll(handle).forEach(this::cacheWhenCommitted);
              }
              return Outcome.commit(closed);
            });
    log.atInfo().addKeyValue("reservations", recovered).log("open reservations recovered");
    return recovered;
  }

  private static Optional<Budget> selectBudget(Handle handle, String keyId) {
    return handle
        .createQuery(SELECT_BUDGET)
        .bind("key_id", keyId)
        .map(SqliteBudgetLedger::budget)
        .findOne();
  }

  private static Map<String, Budget> selectAll(Handle handle) {
    return handle
        .createQuery("SELECT " + BUDGET_COLUMNS + " FROM budgets ORDER BY key_id")
        .reduceResultSet(
            new LinkedHashMap<>(),
            (map, rs, context) -> {
              map.put(rs.getString("key_id"), budget(rs, context));
              return map;
            });
  }

  /** Puts the row in the cache once the write that changed it has committed. */
  private void cacheWhenCommitted(String keyId, Budget budget) {
    if (cache != null) {
      database.afterCommit(() -> cache.committed(keyId, budget));
    }
  }

  private static Budget budget(ResultSet rs, StatementContext context) throws SQLException {
    return budgetRow(rs);
  }

  private static Budget budgetRow(ResultSet rs) throws SQLException {
    return new Budget(
        rs.getLong("limit_micros"),
        rs.getLong("spent_micros"),
        rs.getLong("reserved_micros"),
        Instant.ofEpochMilli(rs.getLong("period_started_at")),
        rs.getLong("reset_period_seconds"));
  }

  private static void requireNotNegative(long limitMicros, long resetPeriodSeconds) {
    if (limitMicros < 0 || resetPeriodSeconds < 0) {
      throw new IllegalArgumentException("limit and reset period cannot be negative");
    }
  }

  private record ReservedAmount(String keyId, long amountMicros) {}
}
