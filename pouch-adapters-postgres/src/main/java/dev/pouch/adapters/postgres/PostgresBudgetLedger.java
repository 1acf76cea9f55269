package dev.pouch.adapters.postgres;

import dev.pouch.adapters.jdbc.RequestRecordRows;
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
import java.sql.Array;
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
 * tables, as the SQLite ledger does it: {@code reservations} holds the requests in flight, each
 * with the sorted ids of the budget rows it took from; a settlement deletes its row, charges those
 * budgets and writes the request-log row that stays.
 *
 * <p>The budget rule lives in one guarded {@code UPDATE} over every layer at once, in a READ
 * COMMITTED transaction with the reservation row: PostgreSQL's row locks, not Java code, decide who
 * gets the last cent, so the rule holds between connections and processes. Every transaction that
 * locks several budget rows locks them in ascending id order first ({@code ORDER BY id FOR NO KEY
 * UPDATE}), so concurrent multi-layer reservations and settlements queue instead of deadlocking;
 * the reservation row is locked after the budget rows, by reservations and settlements alike. Sums
 * are compared as {@code numeric}, so no guard can overflow.
 *
 * <p>An end user's budgets are rows of owner {@link EndUser#ownerId()}, created on first use by the
 * reservation's transaction before it locks anything ({@code INSERT … ON CONFLICT DO NOTHING}: a
 * racing first reservation waits on the unique index, then sees the committed rows), and locked and
 * taken with the key's and the team's. {@code owner_id} compares bytewise ({@code COLLATE "C"}), so
 * a key's end users are one range of the {@code (owner_id, position)} index.
 */
final class PostgresBudgetLedger implements BudgetLedger {
  private static final Logger log = LoggerFactory.getLogger(PostgresBudgetLedger.class);

  private static final String BUDGET_COLUMNS =
      "id, owner_id, position, limit_micros, spent_micros, reserved_micros, period_started_at,"
          + " reset_period_seconds";

  private static final String SELECT_OWNER =
      "SELECT " + BUDGET_COLUMNS + " FROM budgets WHERE owner_id = :owner ORDER BY position";

  /** Locks budget rows in id order: the one lock order of every multi-row transaction here. */
  private static final String LOCK_IN_ORDER = "ORDER BY id FOR NO KEY UPDATE";

  /**
   * The reservation row, with the ids of every budget of the key, of its team and of its end user
   * (when its budgets pay), locked in id order (the guarded update that follows runs on exactly
   * these rows). Inserts nothing for an id in flight, or settled: a settlement deletes its
   * reservation, and its request-log row, which always has a basis, remains. Returns how many
   * layers the reservation must take from.
   */
  private static final String INSERT_RESERVATION =
      "INSERT INTO reservations (id, key_id, amount_micros, created_at, budget_ids, end_user_id,"
          + " instance_id) SELECT :id, :key, :amount, :at, coalesce((SELECT array_agg(layer.id"
          + " ORDER BY layer.id) FROM (SELECT id FROM budgets WHERE owner_id IN (:key, :team,"
          + " :endUser) "
          + LOCK_IN_ORDER
          + ") AS layer), '{}'), :endUserId, :instance"
          + " WHERE NOT EXISTS (SELECT 1 FROM request_log WHERE request_id = :id"
          + " AND basis IS NOT NULL)"
          + " ON CONFLICT (id) DO NOTHING RETURNING cardinality(budget_ids)";

  /**
   * The guard: takes {@code :amount} from each of the reservation's budgets that can cover it; the
   * caller commits only when every one did. The rows are locked already, so each is read as last
   * committed.
   */
  private static final String TAKE =
      "UPDATE budgets SET reserved_micros = reserved_micros + :amount"
          + " WHERE id = ANY (SELECT unnest(budget_ids) FROM reservations WHERE id = :id)"
          + " AND (limit_micros = 0"
          + " OR spent_micros::numeric + reserved_micros + :amount <= limit_micros)"
          + " AND spent_micros::numeric + reserved_micros + :amount <= 9223372036854775807"
          + " RETURNING "
          + BUDGET_COLUMNS;

  /**
   * An end user's budgets on first use, inside the reservation's transaction and before it locks
   * any budget row: only when the end user has none committed, and {@code ON CONFLICT}: a racing
   * first reservation of the same end user waits on the unique index until this one commits (then
   * inserts nothing and locks the committed rows) or rolls back (then inserts them itself). A
   * refusal rolls them back with the reservation: a refused end user leaves no rows.
   */
  private static final String CREATE_END_USER =
      "INSERT INTO budgets (owner_id, position, limit_micros, spent_micros, reserved_micros,"
          + " period_started_at, reset_period_seconds)"
          + " SELECT :owner, terms.ordinality - 1, terms.limit_micros, 0, 0, :start, terms.period"
          + " FROM unnest(:limits, :periods) WITH ORDINALITY AS terms (limit_micros, period,"
          + " ordinality) WHERE NOT EXISTS (SELECT 1 FROM budgets WHERE owner_id = :owner)"
          + " ON CONFLICT (owner_id, position) DO NOTHING";

  /** Owners strictly between :from and :past: a key's end users (or those after a cursor). */
  private static final String END_USER_RANGE = "owner_id > :from AND owner_id < :past";

  /** The budgets a reservation took from, read before any lock: they never change. */
  private static final String BUDGET_IDS_OF = "SELECT budget_ids FROM reservations WHERE id = ?";

  /** Exactly once: only the settlement that deletes the row goes on. */
  private static final String TAKE_OUT =
      "DELETE FROM reservations WHERE id = ? RETURNING key_id, amount_micros";

  /**
   * :reserved back, :actual spent on each budget the reservation took from that still exists; the
   * spend saturates at the largest bigint (far beyond any limit, so still refused).
   */
  private static final String CHARGE =
      "UPDATE budgets SET reserved_micros = reserved_micros - :reserved,"
          + " spent_micros = least(spent_micros::numeric + :actual, 9223372036854775807)::bigint"
          + " WHERE id = ANY (:ids)";

  private static final String RECOVERED_MODEL = "(recovered)";
  private static final String RECOVERED_ERROR = "recovered";
  private static final int RECOVERED_STATUS = 500;

  private final Database database;
  private final String instanceId; // null: a store that claims nothing (tests)
  private final Durability reservationDurability;

  /**
   * @param reservationSync {@link ReservationSync#NOW}: each reservation on disk before {@link
   *     #take} returns (G3); {@link ReservationSync#LATER}: committed with {@code
   *     synchronous_commit = off} and no flush of its own, so it survives a crash of Pouch (the
   *     database holds the commit) but not of the PostgreSQL server or its machine, which undoes a
   *     tail of asynchronous commits (the reservation's later settlement with it)
   */
  PostgresBudgetLedger(Database database, String instanceId, ReservationSync reservationSync) {
    this.database = database;
    this.instanceId = instanceId;
    this.reservationDurability =
        reservationSync == ReservationSync.LATER
            ? Durability.WITH_NEXT_FLUSH
            : Durability.ON_DISK_AFTER_UNLOCK;
  }

  @Override
  public void open(String ownerId, List<BudgetTerms> budgets, Instant periodStart) {
    Objects.requireNonNull(ownerId, "ownerId");
    Objects.requireNonNull(periodStart, "periodStart");
    List<BudgetTerms> terms = List.copyOf(budgets);
    List<Long> limits = terms.stream().map(BudgetTerms::limitMicros).toList();
    List<Long> periods = terms.stream().map(BudgetTerms::resetPeriodSeconds).toList();
    // one statement; ON CONFLICT: two processes opening one owner at once create its budgets once
    database.write(
        handle ->
            handle
                .createUpdate(
                    "INSERT INTO budgets (owner_id, position, limit_micros, spent_micros,"
                        + " reserved_micros, period_started_at, reset_period_seconds)"
                        + " SELECT :owner, terms.ordinality - 1, terms.limit_micros, 0, 0, :start,"
                        + " terms.period FROM unnest(:limits, :periods) WITH ORDINALITY"
                        + " AS terms (limit_micros, period, ordinality)"
                        + " WHERE NOT EXISTS (SELECT 1 FROM budgets WHERE owner_id = :owner)"
                        + " ON CONFLICT (owner_id, position) DO NOTHING")
                .bind("owner", ownerId)
                .bind("start", periodStart.toEpochMilli())
                .bindArray("limits", Long.class, limits)
                .bindArray("periods", Long.class, periods)
                .execute());
  }

  @Override
  public List<Budget> budgets(String ownerId) {
    Objects.requireNonNull(ownerId, "ownerId");
    return database.read(handle -> selectOwner(handle, ownerId)).stream()
        .map(BudgetRow::budget)
        .toList();
  }

  @Override
  public Map<String, List<Budget>> findAllBudgets() {
    return Collections.unmodifiableMap(database.read(PostgresBudgetLedger::selectAll));
  }

  @Override
  public ReserveResult take(Reservation reservation) {
    Objects.requireNonNull(reservation, "reservation");
    ReserveResult result =
        database.transaction(
            handle -> {
              String endUser = reservation.endUserOwnerId();
              if (endUser != null) {
                createEndUser(handle, reservation);
              }
              Integer layers =
                  handle
                      .createQuery(INSERT_RESERVATION)
                      .bind("id", reservation.id())
                      .bind("key", reservation.keyId())
                      .bind("team", reservation.teamId())
                      .bind("endUser", endUser)
                      .bind("endUserId", reservation.endUserId())
                      .bind("instance", instanceId)
                      .bind("amount", reservation.amountMicros())
                      .bind("at", reservation.createdAt().toEpochMilli())
                      .mapTo(Integer.class)
                      .findOne()
                      .orElse(null);
              if (layers == null) {
                // in flight or settled: idempotent, take no more
                return Outcome.rollback(ReserveResult.RESERVED);
              }
              List<BudgetRow> taken =
                  handle
                      .createQuery(TAKE)
                      .bind("amount", reservation.amountMicros())
                      .bind("id", reservation.id())
                      .map(PostgresBudgetLedger::budget)
                      .list();
              boolean keyPays =
                  taken.stream().anyMatch(row -> row.ownerId().equals(reservation.keyId()));
              // a refusal rolls every layer and the reservation row back: it leaves no trace
              if (taken.size() != layers || !keyPays) {
                return Outcome.rollback(refusal(handle, reservation, taken));
              }
              return Outcome.commit(ReserveResult.RESERVED);
            },
            // by default on disk before the request goes upstream, the budget rows unlocked before
            // the flush
            reservationDurability);
    if (result instanceof ReserveResult.Refused refused) {
      log.atDebug()
          .addKeyValue("key", reservation.keyId())
          .addKeyValue("reservation", reservation.id())
          .addKeyValue("amount_micros", reservation.amountMicros())
          .addKeyValue("owner", refused.layer().ownerId())
          .addKeyValue("position", refused.layer().position())
          .log("reservation refused");
    }
    return result;
  }

  private static void createEndUser(Handle handle, Reservation reservation) {
    List<BudgetTerms> terms = reservation.endUser().budgets();
    handle
        .createUpdate(CREATE_END_USER)
        .bind("owner", reservation.endUserOwnerId())
        .bind("start", reservation.createdAt().toEpochMilli())
        .bindArray("limits", Long.class, terms.stream().map(BudgetTerms::limitMicros).toArray())
        .bindArray(
            "periods", Long.class, terms.stream().map(BudgetTerms::resetPeriodSeconds).toArray())
        .execute();
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
          Long[] budgetIds =
              handle
                  .select(BUDGET_IDS_OF, settlement.reservationId())
                  .map((rs, context) -> ids(rs.getArray(1)))
                  .findOne()
                  .orElse(null);
          if (budgetIds == null) {
            return Outcome.rollback(false); // settled before, or never reserved
          }
          lockInOrder(handle, budgetIds);
          ReservedAmount reserved =
              handle
                  .select(TAKE_OUT, settlement.reservationId())
                  .map((rs, context) -> new ReservedAmount(rs.getString(1), rs.getLong(2)))
                  .findOne()
                  .orElse(null);
          if (reserved == null) {
            return Outcome.rollback(false); // a concurrent settlement won
          }
          handle
              .createUpdate(CHARGE)
              .bind("reserved", reserved.amountMicros())
              .bind("actual", settlement.actualMicros())
              .bindArray("ids", Long.class, (Object[]) budgetIds)
              .execute();
          handle.execute(RequestRecordRows.INSERT, RequestRecordRows.values(settlement.record()));
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
        // on disk with the next synchronous commit (as SQLite's ARCHITECTURE D21): a crash before
        // it leaves the reservation counted, to be recovered in full
        Durability.WITH_NEXT_FLUSH);
  }

  private static void lockInOrder(Handle handle, Long[] budgetIds) {
    handle
        .createQuery("SELECT id FROM budgets WHERE id = ANY (:ids) " + LOCK_IN_ORDER)
        .bindArray("ids", Long.class, (Object[]) budgetIds)
        .mapTo(Long.class)
        .list();
  }

  private static Long[] ids(Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    Long[] ids = new Long[values.length];
    for (int i = 0; i < values.length; i++) {
      ids[i] = ((Number) values[i]).longValue();
    }
    return ids;
  }

  @Override
  public Map<String, List<Budget>> endUsers(String keyId, String after, int limit) {
    Objects.requireNonNull(keyId, "keyId");
    String from = after == null ? EndUser.firstOwnerOf(keyId) : EndUser.ownerId(keyId, after);
    Map<String, List<Budget>> rows =
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
    rows.forEach((owner, budgets) -> page.put(EndUser.idOf(owner), budgets));
    return Collections.unmodifiableMap(page);
  }

  @Override
  public void configureEndUsers(String keyId, List<BudgetTerms> budgets, Instant periodStart) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(periodStart, "periodStart");
    List<BudgetTerms> terms = List.copyOf(budgets);
    String from = EndUser.firstOwnerOf(keyId);
    String past = EndUser.pastOwnersOf(keyId);
    database.transaction(
        handle -> {
          // the end users' rows in id order first, as every multi-row transaction here
          handle
              .createQuery("SELECT id FROM budgets WHERE " + END_USER_RANGE + " " + LOCK_IN_ORDER)
              .bind("from", from)
              .bind("past", past)
              .mapTo(Long.class)
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
                .bind("start", periodStart.toEpochMilli())
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
          return Outcome.commit(null);
        });
    log.atInfo()
        .addKeyValue("key_id", keyId)
        .addKeyValue("budgets", terms.size())
        .log("end-user budget terms applied");
  }

  private static Map<String, List<Budget>> groupByOwner(org.jdbi.v3.core.statement.Query query) {
    return query.reduceResultSet(
        new LinkedHashMap<>(),
        (map, rs, context) -> {
          BudgetRow row = budgetRow(rs);
          map.computeIfAbsent(row.ownerId(), owner -> new ArrayList<>()).add(row.budget());
          return map;
        });
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
        database.transaction(
            handle -> {
              int had =
                  handle
                      .createQuery(
                          "SELECT id FROM budgets WHERE owner_id = :owner " + LOCK_IN_ORDER)
                      .bind("owner", ownerId)
                      .mapTo(Long.class)
                      .list()
                      .size();
              if (had == 0) {
                return Outcome.rollback(false);
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
              return Outcome.commit(true);
            });
    if (!changed) {
      throw new IllegalStateException("owner has no budget: " + ownerId);
    }
  }

  @Override
  public void drop(String ownerId) {
    Objects.requireNonNull(ownerId, "ownerId");
    database.write(handle -> handle.execute("DELETE FROM budgets WHERE owner_id = ?", ownerId));
  }

  @Override
  public boolean startPeriod(
      String ownerId, int position, Instant expectedStart, Instant newStart) {
    Objects.requireNonNull(ownerId, "ownerId");
    long expected = expectedStart.toEpochMilli();
    long next = newStart.toEpochMilli();
    // one statement: the row is reset only where its period still began at expectedStart, and
    // the closed period goes to history from the same locked row
    boolean started =
        database.write(
                handle ->
                    handle.execute(
                        "WITH reset AS (UPDATE budgets AS b SET spent_micros = 0,"
                            + " period_started_at = ? FROM (SELECT id, spent_micros,"
                            + " period_started_at FROM budgets WHERE owner_id = ? AND position = ?"
                            + " AND period_started_at = ? FOR NO KEY UPDATE) AS closed"
                            + " WHERE b.id = closed.id RETURNING b.owner_id, b.position,"
                            + " closed.period_started_at, b.limit_micros, closed.spent_micros)"
                            + " INSERT INTO budget_periods (owner_id, position, started_at,"
                            + " ended_at, limit_micros, spent_micros) SELECT owner_id, position,"
                            + " period_started_at, ?, limit_micros, spent_micros FROM reset",
                        next,
                        ownerId,
                        position,
                        expected,
                        next))
            == 1;
    if (started) {
      log.atInfo()
          .addKeyValue("owner", ownerId)
          .addKeyValue("position", position)
          .addKeyValue("period_start", newStart)
          .log("budget period started");
    }
    return started;
  }

  /**
   * Recovers what no running instance vouches for: the reservations of instances whose lease ran
   * out, those of no instance, and this instance's own (called at start, it has none yet; called
   * later, it treats its own in flight as crashed, as the SQLite store does).
   */
  @Override
  public int recoverOpenReservations(Instant now) {
    return recover(now, true);
  }

  /** Recovers the reservations of the other instances whose lease ran out (the periodic sweep). */
  int recoverExpiredInstances(Instant now) {
    return recover(now, false);
  }

  private int recover(Instant now, boolean withOwnAndUnowned) {
    String basis = RequestRecordRows.basisColumn(SettlementBasis.RECOVERED);
    Recovered recovered =
        database.transaction(
            handle -> {
              // 1. the expired instances, locked: a racing survivor skips them (and finds them
              // gone once this commits), and their reservations in flight cannot commit meanwhile
              String[] dead =
                  handle
                      .createQuery(
                          "SELECT id FROM instances WHERE lease_until < "
                              + InstanceLease.DB_NOW_MILLIS
                              + " AND id IS DISTINCT FROM :self ORDER BY id"
                              + " FOR UPDATE SKIP LOCKED")
                      .bind("self", instanceId)
                      .mapTo(String.class)
                      .list()
                      .toArray(String[]::new);
              if (dead.length == 0 && !withOwnAndUnowned) {
                return Outcome.rollback(new Recovered(0, dead));
              }
              String which =
                  withOwnAndUnowned
                      ? "(instance_id = ANY (:dead) OR instance_id IS NULL OR instance_id = :self)"
                      : "instance_id = ANY (:dead)";
              // 2. their budgets, in the one lock order
              handle
                  .createQuery(
                      "SELECT id FROM budgets WHERE id IN (SELECT unnest(budget_ids)"
                          + " FROM reservations WHERE "
                          + which
                          + ") "
                          + LOCK_IN_ORDER)
                  .bindArray("dead", String.class, (Object[]) dead)
                  .bind("self", instanceId)
                  .mapTo(Long.class)
                  .list();
              // 3. one statement, so each is closed exactly once: delete the reservations, move
              // their amounts from reserved to spent on every budget each took from, and write
              // each a request-log row charged at its full amount
              int closed =
                  handle
                      .createUpdate(
                          "WITH closed AS (DELETE FROM reservations WHERE "
                              + which
                              + " RETURNING *), charged AS (UPDATE budgets SET"
                              + " reserved_micros = reserved_micros - pending.amount,"
                              + " spent_micros = least(spent_micros + pending.amount,"
                              + " 9223372036854775807)::bigint FROM (SELECT taken AS budget_id,"
                              + " sum(c.amount_micros) AS amount FROM closed AS c,"
                              + " unnest(c.budget_ids) AS taken GROUP BY taken) AS pending"
                              + " WHERE budgets.id = pending.budget_id RETURNING budgets.id)"
                              + " INSERT INTO request_log ("
                              + RequestRecordRows.COLUMNS
                              + ") SELECT id, key_id, :model, created_at, :status, false, 0, 0,"
                              + " 0, amount_micros, amount_micros, :basis, 0,"
                              + " greatest(0, :now - created_at), :error, NULL, NULL, end_user_id,"
                              + " NULL FROM closed ORDER BY created_at")
                      .bindArray("dead", String.class, (Object[]) dead)
                      .bind("self", instanceId)
                      .bind("model", RECOVERED_MODEL)
                      .bind("status", RECOVERED_STATUS)
                      .bind("basis", basis)
                      .bind("now", now.toEpochMilli())
                      .bind("error", RECOVERED_ERROR)
                      .execute();
              // 4. the instances recovered are gone: a late renewal of theirs registers again
              handle
                  .createUpdate("DELETE FROM instances WHERE id = ANY (:dead)")
                  .bindArray("dead", String.class, (Object[]) dead)
                  .execute();
              return Outcome.commit(new Recovered(closed, dead));
            });
    if (recovered.reservations() > 0 || recovered.instances().length > 0 || withOwnAndUnowned) {
      log.atInfo()
          .addKeyValue("reservations", recovered.reservations())
          .addKeyValue("expired_instances", String.join(",", recovered.instances()))
          .log("open reservations recovered");
    }
    return recovered.reservations();
  }

  /** What one recovery closed, and whose. */
  private record Recovered(int reservations, String[] instances) {}

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
        .map(PostgresBudgetLedger::budget)
        .list();
  }

  /** Keys' and teams' budgets: end users' owner ids hold the separator, theirs never. */
  private static Map<String, List<Budget>> selectAll(Handle handle) {
    return groupByOwner(
        handle
            .createQuery(
                "SELECT "
                    + BUDGET_COLUMNS
                    + " FROM budgets WHERE strpos(owner_id, :separator) = 0"
                    + " ORDER BY owner_id, position")
            .bind("separator", String.valueOf(EndUser.SEPARATOR)));
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

  private record ReservedAmount(String keyId, long amountMicros) {}
}
