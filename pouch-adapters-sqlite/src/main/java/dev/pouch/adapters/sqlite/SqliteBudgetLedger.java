package dev.pouch.adapters.sqlite;

import dev.pouch.adapters.jdbc.RequestRecordRows;
import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetLayer;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BudgetLedger} on the {@code budgets}, {@code reservations} and {@code budget_periods}
 * tables. A budget row belongs to an owner (a key or a team) at a position; {@code reservations}
 * holds the requests in flight only, each with the ids of the budget rows it took from: a
 * settlement deletes its row, charges those budgets and writes the request-log row that stays. The
 * budget rule lives in one guarded {@code UPDATE} over every layer at once: SQLite's write lock,
 * not Java code, decides who gets the last cent, so the rule also holds between processes sharing
 * the file.
 */
final class SqliteBudgetLedger implements BudgetLedger {
  private static final Logger log = LoggerFactory.getLogger(SqliteBudgetLedger.class);

  private static final String BUDGET_COLUMNS =
      "id, owner_id, position, limit_micros, spent_micros, reserved_micros, period_started_at,"
          + " reset_period_seconds";

  /** Every change of a budget row returns the row, for the {@link BudgetCache}. */
  private static final String RETURNING = " RETURNING " + BUDGET_COLUMNS;

  private static final String SELECT_OWNER =
      "SELECT " + BUDGET_COLUMNS + " FROM budgets WHERE owner_id = :owner ORDER BY position";

  /**
   * ?1 id, ?2 key, ?3 amount, ?4 time, ?5 team (or null), ?6 the end user's owner id when its
   * budgets pay (or null), ?7 the end user's id (or null). Records which budget rows the
   * reservation takes from: every row of the key, its team and its end user, as they are in this
   * transaction (the guarded update below runs on the same rows, under the same write lock).
   * Inserts nothing for an id that is in flight, or that was settled: a settlement deletes its
   * reservation, and its request-log row, which always has a basis (rows of requests that reserved
   * nothing may not), is what remains. Returns how many layers the reservation must take from.
   */
  private static final String INSERT_RESERVATION =
      "INSERT INTO reservations (id, key_id, amount_micros, created_at, budget_ids, end_user_id)"
          + " SELECT ?1, ?2, ?3, ?4, (SELECT json_group_array(id) FROM budgets"
          + " WHERE owner_id IN (?2, ?5, ?6)), ?7 WHERE NOT EXISTS (SELECT 1 FROM request_log"
          + " WHERE request_id = ?1 AND basis IS NOT NULL)"
          + " ON CONFLICT (id) DO NOTHING RETURNING json_array_length(budget_ids)";

  /**
   * ?1 amount, ?2 key, ?3 team (or null), ?4 end user's owner id (or null): takes from each layer
   * that can cover it; the caller commits only when every layer did. Written so that no sum can
   * overflow.
   */
  private static final String TAKE =
      "UPDATE budgets SET reserved_micros = reserved_micros + ?1 WHERE owner_id IN (?2, ?3, ?4)"
          + " AND (limit_micros = 0 OR ?1 <= limit_micros - spent_micros - reserved_micros)"
          + " AND ?1 <= 9223372036854775807 - spent_micros - reserved_micros"
          + RETURNING;

  /** The table holds requests in flight only: settling a reservation deletes it. */
  private static final String TAKE_OUT =
      "DELETE FROM reservations WHERE id = ? RETURNING key_id, amount_micros, budget_ids";

  /**
   * ?1 reserved amount, ?2 charge, ?3 the reservation's budget ids (JSON). SQLite turns an integer
   * sum that overflows into a float: the spend saturates at the largest integer instead (far beyond
   * any limit, so still refused). A budget dropped since the reservation is not there.
   */
  private static final String CHARGE =
      "UPDATE budgets SET reserved_micros = reserved_micros - ?1, spent_micros = CASE"
          + " WHEN ?2 > 9223372036854775807 - spent_micros THEN 9223372036854775807"
          + " ELSE spent_micros + ?2 END WHERE id IN (SELECT value FROM json_each(?3))"
          + RETURNING;

  /**
   * ?1 the end user's owner id, ?2 the period start, then (limit, period) per term: creates an end
   * user's budgets on first use, in the reservation's transaction (which the write lock
   * serializes), only when it has none; the unique (owner_id, position) index stands behind it.
   */
  private static String createEndUser(int terms) {
    StringBuilder sql =
        new StringBuilder(
            "INSERT INTO budgets (owner_id, position, limit_micros, spent_micros, reserved_micros,"
                + " period_started_at, reset_period_seconds) SELECT ?1, column1, column2, 0, 0,"
                + " ?2, column3 FROM (VALUES ");
    for (int position = 0; position < terms; position++) {
      sql.append(position == 0 ? "" : ", ")
          .append('(')
          .append(position)
          .append(", ?")
          .append(3 + 2 * position)
          .append(", ?")
          .append(4 + 2 * position)
          .append(')');
    }
    return sql.append(") WHERE NOT EXISTS (SELECT 1 FROM budgets WHERE owner_id = ?1)").toString();
  }

  /** Owners strictly between :from and :past: a key's end users (or those after a cursor). */
  private static final String END_USER_RANGE = "owner_id > :from AND owner_id < :past";

  private static final String RECOVERED_MODEL = "(recovered)";
  private static final String RECOVERED_ERROR = "recovered";
  private static final int RECOVERED_STATUS = 500;

  private final Database database;
  private final BudgetCache cache; // null: every read goes to the file
  private final Sync reservationSync;

  /**
   * @param cache the budgets in memory when this process is the file's only writer, or null when
   *     other processes write the file too
   * @param reservationSync when a reservation's commit is synced: {@link ReservationSync#NOW}
   *     before {@link #take} returns (G3), or {@link ReservationSync#LATER} with the next synced
   *     commit
   */
  SqliteBudgetLedger(Database database, BudgetCache cache, ReservationSync reservationSync) {
    this.database = database;
    this.cache = cache;
    // LATER: the reservation's group commits with synchronous=NORMAL. Its COMMIT has appended its
    // frames to the WAL file (in the OS's cache) before take returns, so a kill -9 of Pouch loses
    // nothing. Only a power loss or an OS crash can, and only a tail of commits: the WAL is one
    // append-only log, each synced commit (a group holding other work that must be synced) or
    // checkpoint (which syncs the WAL before copying it) makes every earlier frame durable, and
    // recovery stops at the first frame that is missing or torn. An undone reservation takes its
    // later settlement with it: that request goes uncounted, the cost the operator opted into.
    this.reservationSync = reservationSync == ReservationSync.LATER ? Sync.LATER : Sync.NOW;
  }

  @Override
  public void open(String ownerId, List<BudgetTerms> budgets, Instant periodStart) {
    Objects.requireNonNull(ownerId, "ownerId");
    Objects.requireNonNull(periodStart, "periodStart");
    List<BudgetTerms> terms = List.copyOf(budgets);
    database.write(
        handle -> {
          List<BudgetRow> existing = selectOwner(handle, ownerId);
          if (!existing.isEmpty()) {
            cacheWhenCommitted(ownerId, existing);
            return null;
          }
          for (int position = 0; position < terms.size(); position++) {
            insertBudget(handle, ownerId, position, terms.get(position), periodStart);
          }
          cacheWhenCommitted(ownerId, selectOwner(handle, ownerId));
          return null;
        });
  }

  @Override
  public List<Budget> budgets(String ownerId) {
    Objects.requireNonNull(ownerId, "ownerId");
    List<Budget> cached = cache == null ? null : cache.get(ownerId);
    if (cached != null) {
      return cached;
    }
    List<BudgetRow> read = database.read(handle -> selectOwner(handle, ownerId));
    // An owner without budgets is not cached: a client naming ever new end users must not grow
    // the cache; the reservation that creates an end user's budgets caches them.
    return cache == null || read.isEmpty()
        ? read.stream().map(BudgetRow::budget).toList()
        : cache.read(ownerId, read);
  }

  @Override
  public Map<String, List<Budget>> findAllBudgets() {
    return Collections.unmodifiableMap(database.read(SqliteBudgetLedger::selectAll));
  }

  @Override
  public Map<String, List<Budget>> endUsers(String keyId, String after, int limit) {
    Objects.requireNonNull(keyId, "keyId");
    String from = after == null ? EndUser.firstOwnerOf(keyId) : EndUser.ownerId(keyId, after);
    Map<String, List<BudgetRow>> rows =
        database.read(
            handle ->
                groupByOwner(
                    handle
                        .createQuery(
                            "SELECT "
                                + BUDGET_COLUMNS
                                + " FROM budgets WHERE owner_id IN (SELECT DISTINCT owner_id"
                                + " FROM budgets WHERE "
                                + END_USER_RANGE
                                + " ORDER BY owner_id LIMIT :limit) ORDER BY owner_id, position")
                        .bind("from", from)
                        .bind("past", EndUser.pastOwnersOf(keyId))
                        .bind("limit", Math.max(0, limit))));
    Map<String, List<Budget>> page = new LinkedHashMap<>();
    rows.forEach(
        (owner, budgets) ->
            page.put(EndUser.idOf(owner), budgets.stream().map(BudgetRow::budget).toList()));
    return Collections.unmodifiableMap(page);
  }

  @Override
  public void configureEndUsers(String keyId, List<BudgetTerms> budgets, Instant periodStart) {
    Objects.requireNonNull(keyId, "keyId");
    List<BudgetTerms> terms = List.copyOf(budgets);
    long start = periodStart.toEpochMilli();
    String from = EndUser.firstOwnerOf(keyId);
    String past = EndUser.pastOwnersOf(keyId);
    database.write(
        handle -> {
          List<String> owners =
              handle
                  .createQuery(
                      "SELECT DISTINCT owner_id FROM budgets WHERE "
                          + END_USER_RANGE
                          + " ORDER BY owner_id")
                  .bind("from", from)
                  .bind("past", past)
                  .mapTo(String.class)
                  .list();
          for (int position = 0; position < terms.size(); position++) {
            BudgetTerms each = terms.get(position);
            handle
                .createUpdate(
                    "UPDATE budgets SET limit_micros = :limit, reset_period_seconds = :period"
                        + " WHERE "
                        + END_USER_RANGE
                        + " AND position = :position")
                .bind("limit", each.limitMicros())
                .bind("period", each.resetPeriodSeconds())
                .bind("from", from)
                .bind("past", past)
                .bind("position", position)
                .execute();
            handle
                .createUpdate(
                    "INSERT INTO budgets (owner_id, position, limit_micros, spent_micros,"
                        + " reserved_micros, period_started_at, reset_period_seconds)"
                        + " SELECT DISTINCT owner_id, :position, :limit, 0, 0, :start, :period"
                        + " FROM budgets WHERE "
                        + END_USER_RANGE
                        + " ON CONFLICT (owner_id, position) DO NOTHING")
                .bind("limit", each.limitMicros())
                .bind("period", each.resetPeriodSeconds())
                .bind("start", start)
                .bind("from", from)
                .bind("past", past)
                .bind("position", position)
                .execute();
          }
          handle
              .createUpdate(
                  "DELETE FROM budgets WHERE " + END_USER_RANGE + " AND position >= :positions")
              .bind("from", from)
              .bind("past", past)
              .bind("positions", terms.size())
              .execute();
          if (cache != null) {
            Map<String, List<BudgetRow>> now =
                groupByOwner(
                    handle
                        .createQuery(
                            "SELECT "
                                + BUDGET_COLUMNS
                                + " FROM budgets WHERE "
                                + END_USER_RANGE
                                + " ORDER BY owner_id, position")
                        .bind("from", from)
                        .bind("past", past));
            for (String owner : owners) {
              cacheWhenCommitted(owner, now.getOrDefault(owner, List.of()));
            }
          }
          return null;
        });
    log.atInfo()
        .addKeyValue("key_id", keyId)
        .addKeyValue("budgets", terms.size())
        .log("end-user budget terms applied");
  }

  private static Map<String, List<BudgetRow>> groupByOwner(org.jdbi.v3.core.statement.Query query) {
    return query.reduceResultSet(
        new LinkedHashMap<>(),
        (map, rs, context) -> {
          BudgetRow row = budgetRow(rs);
          map.computeIfAbsent(row.ownerId(), owner -> new ArrayList<>()).add(row);
          return map;
        });
  }

  @Override
  public ReserveResult take(Reservation reservation) {
    Objects.requireNonNull(reservation, "reservation");
    ReserveResult result =
        database.transaction(
            handle -> {
              String endUser = reservation.endUserOwnerId();
              if (endUser != null) {
                WriterStatements.update(
                    handle,
                    createEndUser(reservation.endUser().budgets().size()),
                    endUserTerms(reservation));
              }
              Long layers =
                  WriterStatements.one(
                      handle,
                      INSERT_RESERVATION,
                      row -> row.getLong(1),
                      reservation.id(),
                      reservation.keyId(),
                      reservation.amountMicros(),
                      reservation.createdAt().toEpochMilli(),
                      reservation.teamId(),
                      endUser,
                      reservation.endUserId());
              if (layers == null) {
                // in flight or settled: idempotent, take no more
                return Outcome.rollback(ReserveResult.RESERVED);
              }
              List<BudgetRow> taken =
                  WriterStatements.all(
                      handle,
                      TAKE,
                      SqliteBudgetLedger::budgetRow,
                      reservation.amountMicros(),
                      reservation.keyId(),
                      reservation.teamId(),
                      endUser);
              boolean keyPays =
                  taken.stream().anyMatch(row -> row.ownerId().equals(reservation.keyId()));
              // a refusal rolls every layer and the reservation row back: it leaves no trace
              if (taken.size() != layers || !keyPays) {
                return Outcome.rollback(refusal(handle, reservation, taken));
              }
              // every row of both owners was taken from: their whole lists, for the cache
              taken.stream()
                  .collect(Collectors.groupingBy(BudgetRow::ownerId))
                  .forEach(this::cacheWhenCommitted);
              return Outcome.commit(ReserveResult.RESERVED);
            },
            reservationSync);
    if (result instanceof ReserveResult.Refused refused) {
      log.atDebug()
          .addKeyValue("key", reservation.keyId())
          .addKeyValue("reservation", reservation.id())
          .addKeyValue("amount_micros", reservation.amountMicros())
          .addKeyValue("owner", EndUser.loggable(refused.layer().ownerId()))
          .addKeyValue("position", refused.layer().position())
          .log("reservation refused");
    }
    return result;
  }

  /**
   * The parameters of {@link #createEndUser}: owner, period start, each term's limit and period.
   */
  private static Object[] endUserTerms(Reservation reservation) {
    List<BudgetTerms> terms = reservation.endUser().budgets();
    Object[] parameters = new Object[2 + 2 * terms.size()];
    parameters[0] = reservation.endUserOwnerId();
    parameters[1] = reservation.createdAt().toEpochMilli();
    for (int position = 0; position < terms.size(); position++) {
      parameters[2 + 2 * position] = terms.get(position).limitMicros();
      parameters[3 + 2 * position] = terms.get(position).resetPeriodSeconds();
    }
    return parameters;
  }

  /**
   * The first layer, the key's before the team's before the end user's, that the guarded update did
   * not take from.
   */
  private static ReserveResult.Refused refusal(
      Handle handle, Reservation reservation, List<BudgetRow> taken) {
    Set<Long> tookFrom = taken.stream().map(BudgetRow::id).collect(Collectors.toSet());
    List<String> owners = new ArrayList<>(List.of(reservation.keyId()));
    if (reservation.teamId() != null) {
      owners.add(reservation.teamId());
    }
    if (reservation.endUserOwnerId() != null) {
      owners.add(reservation.endUserOwnerId());
    }
    for (String owner : owners) {
      for (BudgetRow row : selectOwner(handle, owner)) {
        if (!tookFrom.contains(row.id())) {
          return new ReserveResult.Refused(new BudgetLayer(owner, row.position()));
        }
      }
    }
    return new ReserveResult.Refused(new BudgetLayer(reservation.keyId(), 0)); // no budgets
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
                  row -> new ReservedAmount(row.getString(1), row.getLong(2), row.getString(3)),
                  settlement.reservationId());
          if (reserved == null) {
            return Outcome.rollback(false); // settled before, or never reserved
          }
          List<BudgetRow> charged =
              WriterStatements.all(
                  handle,
                  CHARGE,
                  SqliteBudgetLedger::budgetRow,
                  reserved.amountMicros(),
                  settlement.actualMicros(),
                  reserved.budgetIds());
          cacheRowsWhenCommitted(handle, charged);
          WriterStatements.update(
              handle, RequestRecordRows.INSERT, RequestRecordRows.values(settlement.record()));
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
  public void configure(String ownerId, List<BudgetTerms> budgets, Instant periodStart) {
    Objects.requireNonNull(ownerId, "ownerId");
    Objects.requireNonNull(periodStart, "periodStart");
    List<BudgetTerms> terms = List.copyOf(budgets);
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("an owner keeps at least one budget");
    }
    boolean changed =
        database.write(
            handle -> {
              int had = selectOwner(handle, ownerId).size();
              if (had == 0) {
                return false;
              }
              for (int position = 0; position < terms.size(); position++) {
                BudgetTerms each = terms.get(position);
                if (position < had) {
                  handle.execute(
                      "UPDATE budgets SET limit_micros = ?, reset_period_seconds = ?"
                          + " WHERE owner_id = ? AND position = ?",
                      each.limitMicros(),
                      each.resetPeriodSeconds(),
                      ownerId,
                      position);
                } else {
                  insertBudget(handle, ownerId, position, each, periodStart);
                }
              }
              handle.execute(
                  "DELETE FROM budgets WHERE owner_id = ? AND position >= ?",
                  ownerId,
                  terms.size());
              cacheWhenCommitted(ownerId, selectOwner(handle, ownerId));
              return true;
            });
    if (!changed) {
      throw new IllegalStateException("owner has no budget: " + ownerId);
    }
  }

  @Override
  public void drop(String ownerId) {
    Objects.requireNonNull(ownerId, "ownerId");
    database.write(
        handle -> {
          handle.execute("DELETE FROM budgets WHERE owner_id = ?", ownerId);
          if (cache != null) {
            database.afterCommit(() -> cache.dropped(ownerId));
          }
          return null;
        });
  }

  @Override
  public boolean startPeriod(
      String ownerId, int position, Instant expectedStart, Instant newStart) {
    Objects.requireNonNull(ownerId, "ownerId");
    long expected = expectedStart.toEpochMilli();
    long next = newStart.toEpochMilli();
    boolean started =
        database.transaction(
            handle -> {
              // the history row is written only where the period still began at expectedStart
              int closed =
                  handle.execute(
                      "INSERT INTO budget_periods (owner_id, position, started_at, ended_at,"
                          + " limit_micros, spent_micros) SELECT owner_id, position,"
                          + " period_started_at, ?, limit_micros, spent_micros FROM budgets"
                          + " WHERE owner_id = ? AND position = ? AND period_started_at = ?",
                      next,
                      ownerId,
                      position,
                      expected);
              if (closed == 0) {
                return Outcome.rollback(false);
              }
              List<BudgetRow> reset =
                  handle
                      .createQuery(
                          "UPDATE budgets SET spent_micros = 0, period_started_at = :next"
                              + " WHERE owner_id = :owner AND position = :position"
                              + " AND period_started_at = :expected"
                              + RETURNING)
                      .bind("next", next)
                      .bind("owner", ownerId)
                      .bind("position", position)
                      .bind("expected", expected)
                      .map(SqliteBudgetLedger::budget)
                      .list();
              cacheRowsWhenCommitted(handle, reset);
              return Outcome.commit(true);
            });
    if (started) {
      log.atInfo()
          .addKeyValue("owner", EndUser.loggable(ownerId))
          .addKeyValue("position", position)
          .addKeyValue("period_start", newStart)
          .log("budget period started");
    }
    return started;
  }

  @Override
  public int recoverOpenReservations(Instant now) {
    long settledAt = now.toEpochMilli();
    String basis = RequestRecordRows.basisColumn(SettlementBasis.RECOVERED);
    int recovered =
        database.transaction(
            handle -> {
              // 1. one request-log row per open reservation, charged at its full amount
              handle
                  .createUpdate(
                      "INSERT INTO request_log ("
                          + RequestRecordRows.COLUMNS
                          + ") SELECT id, key_id, :model, created_at, :status, 0, 0, 0, 0,"
                          + " amount_micros, amount_micros, :basis, 0,"
                          + " max(0, :now - created_at), :error, NULL, NULL, end_user_id, NULL FROM reservations"
                          + " ORDER BY created_at")
                  .bind("model", RECOVERED_MODEL)
                  .bind("status", RECOVERED_STATUS)
                  .bind("basis", basis)
                  .bind("now", settledAt)
                  .bind("error", RECOVERED_ERROR)
                  .execute();
              // 2. move the open amounts from reserved to spent on every budget each took from
              handle
                  .createUpdate(
                      "UPDATE budgets SET reserved_micros = reserved_micros - pending.amount,"
                          + " spent_micros = spent_micros + pending.amount FROM (SELECT"
                          + " taken.value AS budget_id, sum(r.amount_micros) AS amount"
                          + " FROM reservations AS r, json_each(r.budget_ids) AS taken"
                          + " GROUP BY taken.value) AS pending WHERE budgets.id = pending.budget_id")
                  .execute();
              // 3. close them: the request log now holds what they cost
              int closed = handle.createUpdate("DELETE FROM reservations").execute();
              if (closed > 0) {
                selectAllRows(handle).forEach(this::cacheWhenCommitted);
              }
              return Outcome.commit(closed);
            });
    log.atInfo().addKeyValue("reservations", recovered).log("open reservations recovered");
    return recovered;
  }

  private static void insertBudget(
      Handle handle, String ownerId, int position, BudgetTerms terms, Instant periodStart) {
    handle.execute(
        "INSERT INTO budgets (owner_id, position, limit_micros, spent_micros, reserved_micros,"
            + " period_started_at, reset_period_seconds) VALUES (?, ?, ?, 0, 0, ?, ?)",
        ownerId,
        position,
        terms.limitMicros(),
        periodStart.toEpochMilli(),
        terms.resetPeriodSeconds());
  }

  private static List<BudgetRow> selectOwner(Handle handle, String ownerId) {
    return handle
        .createQuery(SELECT_OWNER)
        .bind("owner", ownerId)
        .map(SqliteBudgetLedger::budget)
        .list();
  }

  private static Map<String, List<BudgetRow>> selectAllRows(Handle handle) {
    return handle
        .createQuery("SELECT " + BUDGET_COLUMNS + " FROM budgets ORDER BY owner_id, position")
        .reduceResultSet(
            new LinkedHashMap<>(),
            (map, rs, context) -> {
              BudgetRow row = budgetRow(rs);
              map.computeIfAbsent(row.ownerId(), owner -> new ArrayList<>()).add(row);
              return map;
            });
  }

  private static Map<String, List<Budget>> selectAll(Handle handle) {
    Map<String, List<Budget>> all = new LinkedHashMap<>();
    selectAllRows(handle)
        .forEach(
            (owner, rows) -> {
              if (!EndUser.isEndUserOwner(owner)) {
                all.put(owner, rows.stream().map(BudgetRow::budget).toList());
              }
            });
    return all;
  }

  /** Puts an owner's whole list in the cache once the write that changed it has committed. */
  private void cacheWhenCommitted(String ownerId, List<BudgetRow> rows) {
    if (cache != null) {
      List<BudgetRow> committed = List.copyOf(rows);
      database.afterCommit(() -> cache.committed(ownerId, committed));
    }
  }

  /**
   * Puts changed rows in the cache once committed: into the owner's cached list, or, for an owner
   * not cached yet, its whole list read here on the writer (where no commit can race the read).
   */
  private void cacheRowsWhenCommitted(Handle handle, List<BudgetRow> changed) {
    if (cache == null) {
      return;
    }
    changed.stream()
        .collect(Collectors.groupingBy(BudgetRow::ownerId))
        .forEach(
            (owner, rows) -> {
              if (cache.holds(owner)) {
                database.afterCommit(() -> cache.committedRows(owner, rows));
              } else {
                cacheWhenCommitted(owner, selectOwner(handle, owner));
              }
            });
  }

  private static BudgetRow budget(ResultSet rs, StatementContext context) throws SQLException {
    return budgetRow(rs);
  }

  private static BudgetRow budgetRow(ResultSet rs) throws SQLException {
    return new BudgetRow(
        rs.getLong("id"),
        rs.getString("owner_id"),
        rs.getInt("position"),
        new Budget(
            rs.getLong("limit_micros"),
            rs.getLong("spent_micros"),
            rs.getLong("reserved_micros"),
            Instant.ofEpochMilli(rs.getLong("period_started_at")),
            rs.getLong("reset_period_seconds")));
  }

  private record ReservedAmount(String keyId, long amountMicros, String budgetIds) {}
}
