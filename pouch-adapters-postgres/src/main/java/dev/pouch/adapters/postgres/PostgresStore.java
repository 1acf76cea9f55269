package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyChanges;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pouch's keys, budget ledger, request log, stored responses and undelivered notices in one
 * PostgreSQL schema: the SQLite store's ports, on a server.
 *
 * <p>One object implements the ports so that a settlement and its request-log row share a
 * transaction. Every write is committed when its method returns, on disk ({@code synchronous_commit
 * = on}) except a settlement, and a reservation when the store was opened with {@link
 * ReservationSync#LATER}, which reach the disk with the next synchronous commit (the ledger port
 * allows it). Budgets are always read from the database: there is no cache to go stale. Several
 * instances may share a schema: each registers an {@link InstanceLease}, writes its id on its
 * reservations, and recovers the reservations of the instances whose lease ran out
 * (docs/SCALING.md). Thread-safe.
 */
public final class PostgresStore
    implements KeyRepository,
        BudgetLedger,
        TeamRepository,
        RequestLog,
        StoredResponses,
        AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

  private final Database database;

  /** How long an instance that stops renewing keeps its reservations from the survivors. */
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);

  private final Clock clock;
  private final InstanceLease lease; // null: a test's store that claims nothing
  private final PostgresKeyRepository keys;
  private final PostgresBudgetLedger ledger;
  private final PostgresRequestLog requests;
  private final PostgresStoredResponses storedResponses;
  private final PostgresTeamRepository teams;
  private final PostgresUndeliveredNotices undeliveredNotices;
  private final PostgresKeyChanges keyChanges;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PostgresStore(
      Database database,
      InstanceLease lease,
      Clock clock,
      KeyChangeChannel channel,
      ReservationSync reservationSync) {
    this.database = database;
    this.clock = clock;
    this.lease = lease;
    this.keys = new PostgresKeyRepository(database, clock, channel);
    this.keyChanges = new PostgresKeyChanges(database, channel);
    this.ledger =
        new PostgresBudgetLedger(
            database, lease == null ? null : lease.id(), Objects.requireNonNull(reservationSync));
    this.requests = new PostgresRequestLog(database);
    this.storedResponses = new PostgresStoredResponses(database);
    this.teams = new PostgresTeamRepository(database);
    this.undeliveredNotices = new PostgresUndeliveredNotices(database);
  }

  /**
   * Connects, creates the schema if needed and brings it up to date, and registers this process as
   * an instance with the {@link #DEFAULT_LEASE}.
   *
   * @throws IllegalStateException when the server cannot be reached or the schema is newer than
   *     this build
   */
  public static PostgresStore open(PostgresUrl url) {
    return open(url, DEFAULT_LEASE);
  }

  /**
   * {@link #open(PostgresUrl)} with an instance lease of {@code lease}: after a crash, the other
   * instances recover this one's open reservations once it has not renewed for that long.
   */
  public static PostgresStore open(PostgresUrl url, Duration lease) {
    return open(url, lease, ReservationSync.NOW);
  }

  /**
   * {@link #open(PostgresUrl, Duration)} with reservations synced as {@code reservationSync} says:
   * {@link ReservationSync#LATER} commits each reservation asynchronously, without the flush that
   * makes it survive a crash of the database server (ARCHITECTURE D40).
   */
  public static PostgresStore open(
      PostgresUrl url, Duration lease, ReservationSync reservationSync) {
    return open(url, Clock.systemUTC(), lease, reservationSync);
  }

  /**
   * A store that registers no instance, beside one that does: for the tests of the ledger between
   * connection pools. Its reservations belong to no instance.
   */
  static PostgresStore openUnclaimed(PostgresUrl url) {
    return open(url, Clock.systemUTC(), null, ReservationSync.NOW);
  }

  static PostgresStore open(PostgresUrl url, Clock clock) {
    return open(url, clock, DEFAULT_LEASE, ReservationSync.NOW);
  }

  private static PostgresStore open(
      PostgresUrl url, Clock clock, Duration lease, ReservationSync reservationSync) {
    Database database;
    try {
      database = Database.open(url);
    } catch (RuntimeException unreachable) {
      throw new IllegalStateException(
          "cannot connect to PostgreSQL at " + url + ": " + unreachable.getMessage(), unreachable);
    }
    try {
      Migrations.apply(database, url.schema());
      InstanceLease registered = lease == null ? null : InstanceLease.register(database, lease);
      PostgresStore store =
          new PostgresStore(
              database,
              registered,
              clock,
              KeyChangeChannel.forSchema(url.schema()),
              reservationSync);
      if (registered != null) {
        registered.start(() -> store.ledger.recoverExpiredInstances(clock.instant()));
      }
      log.atInfo().addKeyValue("url", url).log("PostgreSQL store opened");
      return store;
    } catch (RuntimeException | Error e) {
      database.close();
      throw e;
    }
  }

  /** The webhook notices Pouch could not deliver, in this schema (closed with the store). */
  public UndeliveredNotices undeliveredNotices() {
    return undeliveredNotices;
  }

  /**
   * The key changes of every instance on this schema (LISTEN/NOTIFY), for {@code
   * Pouch.builder().keyChanges}: it listens from the first subscription on, on a connection of its
   * own, until the store closes.
   */
  public KeyChanges keyChanges() {
    return keyChanges;
  }

  /**
   * Whether the store answers a real query and its schema is the one this build migrates to. Never
   * throws.
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

  /** The connections, for tests that look at the tables directly. */
  Database database() {
    return database;
  }

  /**
   * This instance's id in {@code instances} (written on its reservations), or empty for a store
   * that registered none.
   */
  public Optional<String> instanceId() {
    return Optional.ofNullable(lease).map(InstanceLease::id);
  }

  /** The periodic sweep, for tests that run it at once: see {@link InstanceLease}. */
  int recoverExpiredInstances(Instant now) {
    return ledger.recoverExpiredInstances(now);
  }

  /** For tests: an instance that stops renewing its lease but goes on (a long pause). */
  void pauseLease() {
    lease.stopRenewing();
  }

  /**
   * For tests: what {@code kill -9} leaves: the lease no longer renewed, the connections gone, the
   * reservations open and the instance's row in place.
   */
  void crash() {
    lease.stopRenewing();
    database.close();
  }

  /**
   * Recovers what this instance still holds open (charged in full, as a restart would), leaves the
   * instance list and closes every connection; calls after this fail.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // idempotent: a second close finds nothing to release
    }
    keyChanges.close();
    if (lease != null) {
      lease.stopRenewing();
      try {
        ledger.recoverOpenReservations(clock.instant());
      } finally {
        lease.close();
      }
    }
    database.close();
    log.atInfo().log("PostgreSQL store closed");
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
  public ReserveResult take(Reservation reservation) {
    return ledger.take(reservation);
  }

  @Override
  public boolean settle(Settlement settlement) {
    return ledger.settle(settlement);
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
