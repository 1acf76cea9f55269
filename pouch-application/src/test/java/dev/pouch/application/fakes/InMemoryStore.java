package dev.pouch.application.fakes;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetLayer;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.team.Team;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The four store ports in memory, honouring their Javadoc: optimistic key updates, a guarded and
 * idempotent reserve, an idempotent settle that writes the log row, a compare-and-set period start
 * and recovery at the full amount. Every method is synchronized: one lock plays the transaction.
 * Beyond the ports it lets tests look at reservations and count calls.
 */
public final class InMemoryStore
    implements KeyRepository, BudgetLedger, TeamRepository, RequestLog, StoredResponses {

  private final Map<String, AppKey> keys = new LinkedHashMap<>();
  private final Map<String, Boolean> deleted = new HashMap<>();
  private final Map<String, List<BudgetRow>> budgets = new HashMap<>();
  private final Map<String, ReservationRow> reservations = new LinkedHashMap<>();
  private final List<RequestRecord> log = new ArrayList<>();

  /** Hourly totals per hour start (epoch s), key and model, as the SQL stores keep them. */
  private final TreeMap<String, long[]> rollups = new TreeMap<>();

  private final Map<String, Team> teams = new LinkedHashMap<>();
  private final Map<String, StoredResponse> storedResponses = new HashMap<>();
  private final List<ClosedPeriod> history = new ArrayList<>();
  private final List<String> strayedSettlements = new ArrayList<>();
  private static final long HOUR = 3600;
  private static final long DAY = 86_400;
  private int hashLookups;
  private long budgetIds;
  private Runnable beforeNextReserve;
  private volatile long reserveLatencyNanos;

  /** A period closed by {@link #startPeriod}, as the ledger must record it. */
  public record ClosedPeriod(String ownerId, Instant start, Instant end, long spentMicros) {}

  /** A reservation row: open until settled. */
  public record ReservationRow(
      Reservation reservation, SettlementBasis basis, long actualMicros, List<Long> budgetIds) {
    public boolean open() {
      return basis == null;
    }
  }

  private static final class BudgetRow {
    long id;
    long limit;
    long spent;
    long reserved;
    Instant periodStart;
    long resetPeriod;
    long peakUsed;

    Budget snapshot() {
      return new Budget(limit, spent, reserved, periodStart, resetPeriod);
    }
  }

  // ---- KeyRepository

  @Override
  public synchronized void insert(AppKey key) {
    boolean taken =
        keys.containsKey(key.id())
            || keys.values().stream().anyMatch(k -> k.secretHash().equals(key.secretHash()));
    if (taken) {
      throw new IllegalStateException("key id or secret hash exists: " + key.id());
    }
    keys.put(key.id(), key);
  }

  @Override
  public synchronized boolean update(AppKey key, long expectedVersion) {
    AppKey stored = live(key.id());
    if (stored == null || stored.version() != expectedVersion) {
      return false;
    }
    keys.put(key.id(), key);
    return true;
  }

  @Override
  public synchronized Optional<AppKey> findById(String id) {
    return Optional.ofNullable(live(id));
  }

  @Override
  public synchronized Optional<AppKey> findBySecretHash(String secretHash) {
    hashLookups++;
    return keys.values().stream()
        .filter(k -> k.secretHash().equals(secretHash) && !deleted.containsKey(k.id()))
        .findFirst();
  }

  @Override
  public synchronized List<AppKey> list() {
    // oldest first, then in insertion order, as the port says (and SQLite's created_at, rowid)
    return keys.values().stream()
        .filter(k -> !deleted.containsKey(k.id()))
        .sorted(Comparator.comparing(AppKey::createdAt))
        .toList();
  }

  @Override
  public synchronized boolean delete(String id) {
    if (live(id) == null) {
      return false;
    }
    deleted.put(id, true);
    return true;
  }

  private AppKey live(String id) {
    return deleted.containsKey(id) ? null : keys.get(id);
  }

  // ---- BudgetLedger

  @Override
  public synchronized void open(String ownerId, List<BudgetTerms> terms, Instant periodStart) {
    if (budgets.containsKey(ownerId)) {
      return;
    }
    List<BudgetRow> rows = new ArrayList<>();
    for (BudgetTerms each : terms) {
      rows.add(newRow(each, periodStart));
    }
    budgets.put(ownerId, rows);
  }

  private BudgetRow newRow(BudgetTerms terms, Instant periodStart) {
    BudgetRow row = new BudgetRow();
    row.id = ++budgetIds;
    row.limit = terms.limitMicros();
    row.resetPeriod = terms.resetPeriodSeconds();
    row.periodStart = periodStart;
    return row;
  }

  @Override
  public synchronized List<Budget> budgets(String ownerId) {
    return budgets.getOrDefault(ownerId, List.of()).stream().map(BudgetRow::snapshot).toList();
  }

  @Override
  public synchronized Map<String, List<Budget>> findAllBudgets() {
    Map<String, List<Budget>> all = new HashMap<>();
    budgets.forEach(
        (id, rows) -> {
          if (!rows.isEmpty() && !EndUser.isEndUserOwner(id)) {
            all.put(id, rows.stream().map(BudgetRow::snapshot).toList());
          }
        });
    return all;
  }

  @Override
  public ReserveResult take(Reservation reservation) {
    long latency = reserveLatencyNanos;
    if (latency > 0) {
      LockSupport.parkNanos(latency); // a round trip to the store: others read the budget meanwhile
    }
    return takeNow(reservation);
  }

  private synchronized ReserveResult takeNow(Reservation reservation) {
    Runnable hook = beforeNextReserve;
    beforeNextReserve = null;
    if (hook != null) {
      hook.run();
    }
    if (reservations.containsKey(reservation.id())) {
      return ReserveResult.RESERVED;
    }
    List<BudgetRow> keyRows = budgets.getOrDefault(reservation.keyId(), List.of());
    if (keyRows.isEmpty()) {
      return new ReserveResult.Refused(new BudgetLayer(reservation.keyId(), 0));
    }
    List<String> owners = new ArrayList<>(List.of(reservation.keyId()));
    if (reservation.teamId() != null) {
      owners.add(reservation.teamId());
    }
    String endUser = reservation.endUserOwnerId();
    List<BudgetRow> created = new ArrayList<>();
    if (endUser != null) {
      owners.add(endUser);
      if (budgets.getOrDefault(endUser, List.of()).isEmpty()) {
        // created on first use, kept only when the reservation is taken (as a rolled-back insert)
        for (BudgetTerms terms : reservation.endUser().budgets()) {
          created.add(newRow(terms, reservation.createdAt()));
        }
      }
    }
    List<BudgetRow> taken = new ArrayList<>();
    for (String owner : owners) {
      List<BudgetRow> rows =
          owner.equals(endUser) && !created.isEmpty()
              ? created
              : budgets.getOrDefault(owner, List.of());
      for (int position = 0; position < rows.size(); position++) {
        BudgetRow row = rows.get(position);
        long wouldUse =
            Math.addExact(Math.addExact(row.spent, row.reserved), reservation.amountMicros());
        if (row.limit != 0 && wouldUse > row.limit) {
          return new ReserveResult.Refused(new BudgetLayer(owner, position));
        }
        taken.add(row);
      }
    }
    if (!created.isEmpty()) {
      budgets.put(endUser, created);
    }
    for (BudgetRow row : taken) {
      row.reserved += reservation.amountMicros();
      row.peakUsed = Math.max(row.peakUsed, row.spent + row.reserved);
    }
    reservations.put(
        reservation.id(),
        new ReservationRow(reservation, null, 0, taken.stream().map(row -> row.id).toList()));
    return ReserveResult.RESERVED;
  }

  @Override
  public synchronized boolean settle(Settlement settlement) {
    ReservationRow row = reservations.get(settlement.reservationId());
    if (row == null) {
      strayedSettlements.add(settlement.reservationId());
      return false;
    }
    if (!row.open()) {
      return false;
    }
    Reservation reservation = row.reservation();
    reservations.put(
        reservation.id(),
        new ReservationRow(
            reservation, settlement.basis(), settlement.actualMicros(), row.budgetIds()));
    for (BudgetRow budget : rowsById(row.budgetIds())) {
      budget.reserved -= reservation.amountMicros();
      budget.spent = Math.addExact(budget.spent, settlement.actualMicros());
    }
    logRow(settlement.record());
    return true;
  }

  private List<BudgetRow> rowsById(List<Long> ids) {
    return budgets.values().stream()
        .flatMap(List::stream)
        .filter(budget -> ids.contains(budget.id))
        .toList();
  }

  @Override
  public synchronized void configure(String ownerId, List<BudgetTerms> terms, Instant periodStart) {
    List<BudgetRow> rows = budgets.get(ownerId);
    if (rows == null || rows.isEmpty()) {
      throw new IllegalStateException("owner has no budget: " + ownerId);
    }
    List<BudgetRow> next = new ArrayList<>();
    for (int position = 0; position < terms.size(); position++) {
      BudgetTerms each = terms.get(position);
      if (position < rows.size()) {
        BudgetRow kept = rows.get(position);
        kept.limit = each.limitMicros();
        kept.resetPeriod = each.resetPeriodSeconds();
        next.add(kept);
      } else {
        next.add(newRow(each, periodStart));
      }
    }
    budgets.put(ownerId, next);
  }

  @Override
  public synchronized Map<String, List<Budget>> endUsers(String keyId, String after, int limit) {
    String from = after == null ? EndUser.firstOwnerOf(keyId) : EndUser.ownerId(keyId, after);
    String past = EndUser.pastOwnersOf(keyId);
    Map<String, List<Budget>> page = new LinkedHashMap<>();
    budgets.keySet().stream()
        .filter(owner -> owner.compareTo(from) > 0 && owner.compareTo(past) < 0)
        .filter(owner -> !budgets.get(owner).isEmpty())
        .sorted()
        .limit(limit)
        .forEach(owner -> page.put(EndUser.idOf(owner), budgets(owner)));
    return page;
  }

  @Override
  public synchronized void configureEndUsers(
      String keyId, List<BudgetTerms> terms, Instant periodStart) {
    String from = EndUser.firstOwnerOf(keyId);
    String past = EndUser.pastOwnersOf(keyId);
    List<String> owners =
        budgets.keySet().stream()
            .filter(owner -> owner.compareTo(from) >= 0 && owner.compareTo(past) < 0)
            .toList();
    for (String owner : owners) {
      if (terms.isEmpty()) {
        budgets.remove(owner);
      } else if (!budgets.get(owner).isEmpty()) {
        configure(owner, terms, periodStart);
      }
    }
  }

  @Override
  public synchronized void drop(String ownerId) {
    budgets.remove(ownerId);
  }

  @Override
  public synchronized boolean startPeriod(
      String ownerId, int position, Instant expectedStart, Instant newStart) {
    List<BudgetRow> rows = budgets.getOrDefault(ownerId, List.of());
    if (position >= rows.size() || !rows.get(position).periodStart.equals(expectedStart)) {
      return false;
    }
    BudgetRow row = rows.get(position);
    history.add(new ClosedPeriod(ownerId, row.periodStart, newStart, row.spent));
    row.spent = 0;
    row.periodStart = newStart;
    return true;
  }

  @Override
  public synchronized int recoverOpenReservations(Instant now) {
    List<Reservation> open =
        reservations.values().stream()
            .filter(ReservationRow::open)
            .map(ReservationRow::reservation)
            .toList();
    for (Reservation reservation : open) {
      long amount = reservation.amountMicros();
      RequestRecord record =
          new RequestRecord(
              reservation.id(),
              reservation.keyId(),
              "unknown",
              reservation.createdAt(),
              0,
              false,
              0,
              0,
              0,
              amount,
              amount,
              SettlementBasis.RECOVERED,
              0,
              0,
              "recovered",
              null,
              null,
              reservation.endUserId());
      settle(new Settlement(reservation.id(), amount, SettlementBasis.RECOVERED, now, record));
    }
    return open.size();
  }

  // ---- TeamRepository

  @Override
  public synchronized void insertTeam(Team team) {
    if (teams.containsKey(team.id())) {
      throw new IllegalStateException("team id exists: " + team.id());
    }
    teams.put(team.id(), team);
  }

  @Override
  public synchronized Optional<Team> findTeam(String id) {
    return Optional.ofNullable(teams.get(id));
  }

  @Override
  public synchronized List<Team> listTeams() {
    return teams.values().stream().sorted(Comparator.comparing(Team::createdAt)).toList();
  }

  @Override
  public synchronized boolean renameTeam(String id, String name) {
    Team team = teams.get(id);
    if (team == null) {
      return false;
    }
    teams.put(id, team.renamed(name));
    return true;
  }

  @Override
  public synchronized boolean deleteTeam(String id) {
    return teams.remove(id) != null;
  }

  // ---- RequestLog

  @Override
  public synchronized void append(RequestRecord record) {
    logRow(record);
  }

  /** Every path that writes a row adds it to the hourly totals too. */
  private void logRow(RequestRecord record) {
    log.add(record);
    long hour = Math.floorDiv(record.createdAt().getEpochSecond(), HOUR) * HOUR;
    long[] sums =
        rollups.computeIfAbsent(
            hour + "\n" + record.keyId() + "\n" + record.model(), k -> new long[4]);
    add(sums, 1, record.promptTokens(), record.completionTokens(), record.costMicros());
  }

  private static void add(long[] sums, long requests, long prompt, long completion, long cost) {
    sums[0] += requests;
    sums[1] += prompt;
    sums[2] += completion;
    sums[3] = Math.addExact(sums[3], cost);
  }

  @Override
  public synchronized int prune(Instant before, int batch) {
    List<RequestRecord> due =
        log.stream()
            .filter(r -> r.createdAt().isBefore(before))
            .sorted(Comparator.comparing(RequestRecord::createdAt))
            .limit(batch)
            .toList();
    due.forEach(log::remove);
    return due.size();
  }

  @Override
  public synchronized List<RequestRecord> list(String keyId, Instant before, int limit) {
    if (limit < 1 || limit > 1_000) {
      throw new IllegalArgumentException("limit must be 1 to 1000");
    }
    List<RequestRecord> newestFirst = new ArrayList<>(log);
    Collections.reverse(newestFirst);
    return newestFirst.stream()
        .filter(r -> keyId == null || r.keyId().equals(keyId))
        .filter(r -> before == null || r.createdAt().isBefore(before))
        .sorted(Comparator.comparing(RequestRecord::createdAt).reversed())
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized List<RequestRecord> find(String id, int limit) {
    List<RequestRecord> found = new ArrayList<>();
    for (int i = log.size() - 1; i >= 0 && found.size() < limit; i--) {
      RequestRecord row = log.get(i);
      if (id.equals(row.requestId()) || id.equals(row.clientRequestId())) {
        found.add(row);
      }
    }
    return found;
  }

  @Override
  public synchronized List<RequestRecord> listAfter(
      String keyId, String afterRequestId, int limit) {
    List<RequestRecord> newestFirst = list(keyId, null, 1_000);
    for (int i = 0; i < newestFirst.size(); i++) {
      if (newestFirst.get(i).requestId().equals(afterRequestId)) {
        return newestFirst.subList(i + 1, Math.min(newestFirst.size(), i + 1 + limit));
      }
    }
    return List.of();
  }

  @Override
  public synchronized List<UsageBucket> usage(
      String keyId, Instant from, Instant to, long bucketSeconds) {
    TreeMap<Long, long[]> buckets = new TreeMap<>();
    sumRange(
        keyId,
        from,
        to,
        bucketSeconds,
        (start, key, model) -> buckets.computeIfAbsent(start, s -> new long[4]));
    List<UsageBucket> result = new ArrayList<>();
    buckets.forEach(
        (start, s) ->
            result.add(new UsageBucket(Instant.ofEpochSecond(start), s[0], s[1], s[2], s[3])));
    return result;
  }

  @Override
  public synchronized List<DailySpend> dailySpend(Instant from, Instant to) {
    TreeMap<String, long[]> days = new TreeMap<>();
    sumRange(
        null,
        from,
        to,
        DAY,
        (start, key, model) ->
            days.computeIfAbsent(
                LocalDate.ofEpochDay(start / DAY) + "\n" + key + "\n" + model, k -> new long[4]));
    List<DailySpend> result = new ArrayList<>();
    days.forEach(
        (k, s) -> {
          String[] parts = k.split("\n", 3);
          result.add(
              new DailySpend(
                  LocalDate.parse(parts[0]), parts[1], parts[2], s[0], s[1], s[2], s[3]));
        });
    return result;
  }

  /** Where a bucket's sums go: its start (epoch s), key and model. */
  private interface Sums {
    long[] of(long bucketStart, String keyId, String model);
  }

  /**
   * As the SQL stores read a range: the whole hours from the hourly totals when the bucket is whole
   * hours, the rest from the rows still kept.
   */
  private void sumRange(String keyId, Instant from, Instant to, long bucketSeconds, Sums sums) {
    long hourMillis = HOUR * 1000;
    long start = from.toEpochMilli();
    long end = to.toEpochMilli();
    long firstHour = Math.floorDiv(start + hourMillis - 1, hourMillis) * hourMillis;
    long lastHour = Math.floorDiv(end, hourMillis) * hourMillis;
    if (bucketSeconds % HOUR != 0 || firstHour >= lastHour) {
      firstHour = end; // rows only
      lastHour = end;
    }
    for (Map.Entry<String, long[]> e : rollups.entrySet()) {
      String[] parts = e.getKey().split("\n", 3);
      long hour = Long.parseLong(parts[0]) * 1000;
      if (hour >= firstHour && hour < lastHour && (keyId == null || keyId.equals(parts[1]))) {
        long[] s = e.getValue();
        add(
            sums.of(bucket(hour / 1000, bucketSeconds), parts[1], parts[2]),
            s[0],
            s[1],
            s[2],
            s[3]);
      }
    }
    for (RequestRecord r : log) {
      long at = r.createdAt().toEpochMilli();
      boolean edge = at >= start && at < end && (at < firstHour || at >= lastHour);
      if (edge && (keyId == null || r.keyId().equals(keyId))) {
        add(
            sums.of(bucket(r.createdAt().getEpochSecond(), bucketSeconds), r.keyId(), r.model()),
            1,
            r.promptTokens(),
            r.completionTokens(),
            r.costMicros());
      }
    }
  }

  private static long bucket(long epochSecond, long bucketSeconds) {
    return Math.floorDiv(epochSecond, bucketSeconds) * bucketSeconds;
  }

  // ---- for tests

  /** The budget of a key (test shortcut for {@code find(keyId).orElseThrow()}). */
  public Budget budget(String keyId) {
    return find(keyId).orElseThrow();
  }

  /** Given state: the key has already spent {@code micros} in its current period. */
  public synchronized void givenSpent(String keyId, long micros) {
    budgets.get(keyId).get(0).spent += micros;
  }

  /**
   * Runs {@code action} inside the next {@link #reserve}, just before its guarded update: what a
   * concurrent request could do between a caller's read of the budget and its reservation.
   */
  public synchronized void beforeNextReserve(Runnable action) {
    this.beforeNextReserve = action;
  }

  /**
   * Makes every reservation wait this long before its guarded update, as a store round trip would:
   * the window in which concurrent requests plan on the same budget widens.
   */
  public void simulateReserveLatency(Duration latency) {
    this.reserveLatencyNanos = latency.toNanos();
  }

  /** The most a key has ever had spent and reserved at once (in any period). */
  public synchronized long peakUsedMicros(String keyId) {
    return budgets.get(keyId).get(0).peakUsed;
  }

  /** Every reservation ever taken, in order. */
  public synchronized List<ReservationRow> reservations() {
    return List.copyOf(reservations.values());
  }

  /** Reservations not settled yet. */
  public synchronized List<ReservationRow> openReservations() {
    return reservations.values().stream().filter(ReservationRow::open).toList();
  }

  /** Every request-log row, oldest first. */
  public synchronized List<RequestRecord> records() {
    return List.copyOf(log);
  }

  /** The only request-log row; fails unless there is exactly one. */
  public synchronized RequestRecord onlyRecord() {
    if (log.size() != 1) {
      throw new AssertionError("expected exactly one request-log row, found " + log);
    }
    return log.get(0);
  }

  /** Periods closed so far. */
  public synchronized List<ClosedPeriod> history() {
    return List.copyOf(history);
  }

  /** How often a secret hash was looked up (to see the key cache work). */
  public synchronized int hashLookups() {
    return hashLookups;
  }

  /**
   * Checks the ledger's invariants: every settlement matched a reservation, and each budget's
   * {@code reserved} equals the sum of its open reservations.
   */
  public synchronized void assertConsistent() {
    if (!strayedSettlements.isEmpty()) {
      throw new AssertionError("settlements without a reservation: " + strayedSettlements);
    }
    budgets.values().stream()
        .flatMap(List::stream)
        .forEach(
            row -> {
              long open =
                  reservations.values().stream()
                      .filter(r -> r.open() && r.budgetIds().contains(row.id))
                      .mapToLong(r -> r.reservation().amountMicros())
                      .sum();
              if (open != row.reserved) {
                throw new AssertionError(
                    "budget "
                        + row.id
                        + " reserves "
                        + row.reserved
                        + " but open rows hold "
                        + open);
              }
            });
  }

  // ---- StoredResponses

  @Override
  public synchronized void record(String responseId, String keyId, long contextTokens, Instant at) {
    storedResponses.put(responseId, new StoredResponse(keyId, contextTokens));
  }

  @Override
  public synchronized Optional<StoredResponse> lookup(String responseId) {
    return Optional.ofNullable(storedResponses.get(responseId));
  }

  @Override
  public synchronized void forget(String responseId) {
    storedResponses.remove(responseId);
  }
}
