package dev.pouch.adapters.sqlite;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.team.Team;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pouch's keys, budget ledger, request log and stored responses in one SQLite file.
 *
 * <p>One object implements the three ports so that a settlement and its request-log row share a
 * transaction. Writes go through a single connection that commits callers' writes in groups: each
 * is committed when the method returns, and durable ({@code synchronous=FULL}, WAL) except a
 * settlement, and a reservation when the store was opened with {@link ReservationSync#LATER}, whose
 * fsync may come with a later commit; reads use a small pool of read-only connections and never
 * wait for the writer. Times are kept at millisecond precision. Thread-safe.
 *
 * <p>A store from {@link #open} takes this process for the file's only writer, as the server does:
 * it keeps the budgets in memory, exactly as committed, and reads them there. A store from {@link
 * #openShared} reads every budget from the file, for files that several processes write at once:
 * SQLite's write lock serialises them and the budget rule is enforced by the store's guarded
 * updates either way, so a budget is never overspent, even when a process uses {@link #open} where
 * it should not; only budgets it reads (response headers, plans) could then lag.
 */
public final class SqliteStore
    implements KeyRepository,
        BudgetLedger,
        TeamRepository,
        RequestLog,
        StoredResponses,
        AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

  private final Database database;
  private final SqliteKeyRepository keys;
  private final SqliteBudgetLedger ledger;
  private final SqliteRequestLog requests;
  private final SqliteStoredResponses storedResponses;
  private final SqliteTeamRepository teams;
  private final SqliteUndeliveredNotices undeliveredNotices;

  private SqliteStore(
      Database database, Clock clock, boolean onlyWriter, ReservationSync reservationSync) {
    this.database = database;
    this.keys = new SqliteKeyRepository(database, clock);
    this.ledger =
        new SqliteBudgetLedger(
            database,
            onlyWriter ? new BudgetCache() : null,
            Objects.requireNonNull(reservationSync));
    this.requests = new SqliteRequestLog(database);
    this.storedResponses = new SqliteStoredResponses(database);
    this.teams = new SqliteTeamRepository(database);
    this.undeliveredNotices = new SqliteUndeliveredNotices(database);
  }

  /** The webhook notices Pouch could not deliver, in this file (closed with the store). */
  public UndeliveredNotices undeliveredNotices() {
    return undeliveredNotices;
  }

  /**
   * Opens the store in {@code databaseFile}, creating the file and its parent directories if
   * needed, and brings its schema up to date. This process must be the only one that writes the
   * file (see the class comment).
   *
   * @throws IllegalStateException if the file cannot be opened or its schema is newer than this
   *     build
   */
  public static SqliteStore open(Path databaseFile) {
    return open(databaseFile, ReservationSync.NOW);
  }

  /**
   * Opens the store like {@link #open(Path)}, its reservations synced as {@code reservationSync}
   * says: {@link ReservationSync#LATER} commits each reservation to the WAL before it returns but
   * lets its fsync come with a later commit (ARCHITECTURE D40).
   */
  public static SqliteStore open(Path databaseFile, ReservationSync reservationSync) {
    return open(databaseFile, Clock.systemUTC(), true, reservationSync);
  }

  /**
   * Opens the store like {@link #open}, for a file that other processes write too: every budget is
   * read from the file.
   */
  public static SqliteStore openShared(Path databaseFile) {
    return open(databaseFile, Clock.systemUTC(), false, ReservationSync.NOW);
  }

  static SqliteStore open(
      Path databaseFile, Clock clock, boolean onlyWriter, ReservationSync reservationSync) {
    Path file = databaseFile.toAbsolutePath();
    try {
      Path parent = file.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of " + file, e);
    }
    SqliteStore store = new SqliteStore(Database.open(file), clock, onlyWriter, reservationSync);
    log.atInfo().addKeyValue("file", file).log("SQLite store opened");
    return store;
  }

  /**
   * Whether the store answers a real query and its schema is the one this build migrates to: a read
   * of the schema version on a reader connection. Never throws.
   */
  public boolean isReady() {
    try {
      return database.read(Migrations::currentVersion) == Migrations.latestVersion();
    } catch (RuntimeException unreachable) {
      log.atWarn()
          .addKeyValue("reason", String.valueOf(unreachable.getMessage()))
          .log("readiness check failed");
      return false;
    }
  }

  /**
   * Writes a consistent, compacted copy of the database to {@code target} with {@code VACUUM INTO},
   * on a reader connection: online, without blocking writers. The copy is the last committed state
   * when the copy began.
   *
   * @throws IllegalArgumentException if {@code target} already exists
   */
  public void backupTo(Path target) {
    Path file = target.toAbsolutePath();
    if (Files.exists(file)) {
      throw new IllegalArgumentException("the backup file already exists: " + file);
    }
    database.read(handle -> handle.execute("VACUUM INTO ?", file.toString()));
    log.atInfo().addKeyValue("file", file).log("database backed up");
  }

  /** The connections, for tests that look at the tables directly. */
  Database database() {
    return database;
  }

  /** Closes every connection; calls after this fail. */
  @Override
  public void close() {
    database.close();
    log.atInfo().log("SQLite store closed");
  }

  // KeyRepository

  @Override
  public void insert(AppKey key) {
    keys.insert(key);
  }

  @Override
  public boolean update(AppKey key, long expectedVersion) {
    return keys.update(key, expectedVersion);
  }

  @Override
  public Optional<AppKey> findById(String id) {
    return keys.findById(id);
  }

  @Override
  public Optional<AppKey> findBySecretHash(String secretHash) {
    return keys.findBySecretHash(secretHash);
  }

  @Override
  public List<AppKey> list() {
    return keys.list();
  }

  @Override
  public boolean delete(String id) {
    return keys.delete(id);
  }

  // BudgetLedger

  @Override
  public void open(String ownerId, List<BudgetTerms> budgets, Instant periodStart) {
    ledger.open(ownerId, budgets, periodStart);
  }

  @Override
  public List<Budget> budgets(String ownerId) {
    return ledger.budgets(ownerId);
  }

  @Override
  public Map<String, List<Budget>> findAllBudgets() {
    return ledger.findAllBudgets();
  }

  @Override
  public Map<String, List<Budget>> endUsers(String keyId, String after, int limit) {
    return ledger.endUsers(keyId, after, limit);
  }

  @Override
  public void configureEndUsers(String keyId, List<BudgetTerms> budgets, Instant periodStart) {
    ledger.configureEndUsers(keyId, budgets, periodStart);
  }

  @Override
  public ReserveResult take(Reservation reservation) {
    return ledger.take(reservation);
  }

  @Override
  public boolean settle(Settlement settlement) {
    return ledger.settle(settlement);
  }

  @Override
  public void configure(String ownerId, List<BudgetTerms> budgets, Instant periodStart) {
    ledger.configure(ownerId, budgets, periodStart);
  }

  @Override
  public void drop(String ownerId) {
    ledger.drop(ownerId);
  }

  @Override
  public boolean startPeriod(
      String ownerId, int position, Instant expectedStart, Instant newStart) {
    return ledger.startPeriod(ownerId, position, expectedStart, newStart);
  }

  @Override
  public int recoverOpenReservations(Instant now) {
    return ledger.recoverOpenReservations(now);
  }

  // TeamRepository

  @Override
  public void insertTeam(Team team) {
    teams.insertTeam(team);
  }

  @Override
  public Optional<Team> findTeam(String id) {
    return teams.findTeam(id);
  }

  @Override
  public List<Team> listTeams() {
    return teams.listTeams();
  }

  @Override
  public boolean renameTeam(String id, String name) {
    return teams.renameTeam(id, name);
  }

  @Override
  public boolean deleteTeam(String id) {
    return teams.deleteTeam(id);
  }

  // RequestLog

  @Override
  public void append(RequestRecord record) {
    requests.append(record);
  }

  @Override
  public List<RequestRecord> list(String keyId, Instant before, int limit) {
    return requests.list(keyId, before, limit);
  }

  @Override
  public List<RequestRecord> find(String id, int limit) {
    return requests.find(id, limit);
  }

  @Override
  public List<RequestRecord> listAfter(String keyId, String afterRequestId, int limit) {
    return requests.listAfter(keyId, afterRequestId, limit);
  }

  @Override
  public List<UsageBucket> usage(String keyId, Instant from, Instant to, long bucketSeconds) {
    return requests.usage(keyId, from, to, bucketSeconds);
  }

  @Override
  public List<DailySpend> dailySpend(Instant from, Instant to) {
    return requests.dailySpend(from, to);
  }

  @Override
  public int prune(Instant before, int batch) {
    return requests.prune(before, batch);
  }

  // StoredResponses

  @Override
  public void record(String responseId, String keyId, long contextTokens, Instant at) {
    storedResponses.record(responseId, keyId, contextTokens, at);
  }

  @Override
  public Optional<StoredResponse> lookup(String responseId) {
    return storedResponses.lookup(responseId);
  }

  @Override
  public void forget(String responseId) {
    storedResponses.forget(responseId);
  }
}
