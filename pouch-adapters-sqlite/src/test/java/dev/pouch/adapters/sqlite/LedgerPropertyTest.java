package dev.pouch.adapters.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property-style tests of the ledger arithmetic (DESIGN.md §3a) against a real {@link SqliteStore}
 * on a file: random interleavings of reserve, settle (below, at and above the reservation, and 0 =
 * refund), period resets, limit edits and start-up recovery, with fixed seeds so that a failure
 * replays. A plain reference model in the test says what every operation must answer and what every
 * balance must be; after each operation the store must agree with it to the micro-dollar.
 */
class LedgerPropertyTest {
  private static final int OPERATIONS = 1_500;
  private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;

  // --- sequential: one store, three keys, a reference model
  // ---------------------------------------

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 7L, 20_260_301L})
  void randomInterleavingsKeepEveryInvariantAndMatchTheModel(long seed) {
    try (SqliteStore store = Fixtures.open(dir)) {
      new Run(store, new Random(seed), seed).go();
    }
  }

  /** One key in the reference model. */
  private static final class KeyModel {
    final String id;
    final long baseLimit;
    long limit;
    long spent;
    long resetPeriodSeconds;
    Instant periodStart;
    final Map<String, Long> open = new LinkedHashMap<>();

    /** Spend of the closed periods, as the history must record it. */
    long closedPeriodsSpent;

    /** Every charge ever made on the key (settlements and recoveries). */
    long charged;

    KeyModel(String id, long limit, long resetPeriodSeconds, Instant periodStart) {
      this.id = id;
      this.baseLimit = limit;
      this.limit = limit;
      this.resetPeriodSeconds = resetPeriodSeconds;
      this.periodStart = periodStart;
    }

    boolean unlimited() {
      return limit == 0;
    }

    long reserved() {
      return open.values().stream().mapToLong(Long::longValue).sum();
    }

    Budget budget() {
      return new Budget(limit, spent, reserved(), periodStart, resetPeriodSeconds);
    }
  }

  /** One random run: the operations, the model, and the checks after each operation. */
  private static final class Run {
    private final SqliteStore store;
    private final Random random;
    private final long seed;
    private final List<KeyModel> keys = new ArrayList<>();

    /** Every reservation the store holds (open or settled), by id. */
    private final Map<String, Reservation> taken = new HashMap<>();

    private final List<String> settled = new ArrayList<>();
    private final List<Reservation> refused = new ArrayList<>();
    private final Deque<String> lastOps = new ArrayDeque<>();
    private Instant now = START;
    private long logRows;
    private int step;
    private int nextId;

    /** Counts of what the run exercised, so a run that tests nothing fails. */
    private final Map<String, Integer> exercised = new HashMap<>();

    Run(SqliteStore store, Random random, long seed) {
      this.store = store;
      this.random = random;
      this.seed = seed;
      keys.add(new KeyModel("key_small", 3_000, 0, START));
      keys.add(new KeyModel("key_large", 40_000, 3_600, START));
      keys.add(new KeyModel("key_free", 0, 86_400, START));
      for (KeyModel key : keys) {
        store.open(key.id, key.limit, key.resetPeriodSeconds, key.periodStart);
      }
    }

    void go() {
      check("open", null);
      for (step = 1; step <= OPERATIONS; step++) {
        now = now.plusSeconds(1);
        int dice = random.nextInt(100);
        if (dice < 36) {
          reserveNew(pickKey());
        } else if (dice < 40) {
          reserveAgain();
        } else if (dice < 70) {
          settleOpen();
        } else if (dice < 76) {
          settleAgainOrUnknown();
        } else if (dice < 82) {
          startPeriod(pickKey());
        } else if (dice < 92) {
          configure(pickKey());
        } else if (dice < 94) {
          recover();
        } else {
          reserveBurst(pickKey());
        }
      }
      // every path the properties are about was taken, more than once
      assertThat(exercised)
          .as("seed %d exercised %s", seed, exercised)
          .containsKeys(
              "reserve ok",
              "reserve refused",
              "reserve exactly the headroom",
              "reserve one past the headroom",
              "reserve again",
              "settle below",
              "settle equal",
              "settle above",
              "settle refund",
              "settle again",
              "period started",
              "period stale",
              "limit below spend",
              "recovered");
      assertThat(exercised.values()).allSatisfy(count -> assertThat(count).isGreaterThan(1));
    }

    private KeyModel pickKey() {
      return keys.get(random.nextInt(keys.size()));
    }

    private void count(String what) {
      exercised.merge(what, 1, Integer::sum);
    }

    private long amountFor(KeyModel key) {
      if (key.baseLimit == 0) {
        // the unlimited key takes anything, small or huge
        return random.nextInt(10) == 0
            ? 1_000_000_000L + random.nextInt(1_000_000)
            : random.nextInt(5_000);
      }
      long headroom = key.limit - key.spent - key.reserved();
      int dice = random.nextInt(12);
      if (dice == 0) {
        return 0;
      } else if (dice == 10 && headroom > 0) {
        count("reserve exactly the headroom");
        return headroom; // the last micro-dollar: taken
      } else if (dice == 11 && headroom >= 0) {
        count("reserve one past the headroom");
        return headroom + 1; // one micro-dollar too many: refused
      } else if (dice < 7) {
        return 1 + random.nextInt((int) (key.baseLimit / 8));
      } else {
        return key.baseLimit / 3 + random.nextInt((int) key.baseLimit);
      }
    }

    private void reserveNew(KeyModel key) {
      Reservation reservation = new Reservation("r" + nextId++, key.id, amountFor(key), now);
      reserve(key, reservation);
    }

    /** Several reservations in a row, so that limits are reached often. */
    private void reserveBurst(KeyModel key) {
      int n = 2 + random.nextInt(6);
      for (int i = 0; i < n; i++) {
        reserveNew(key);
      }
    }

    private void reserve(KeyModel key, Reservation reservation) {
      long amount = reservation.amountMicros();
      Budget before = key.budget();
      boolean fits =
          key.unlimited()
              || Math.addExact(Math.addExact(key.spent, key.reserved()), amount) <= key.limit;

      boolean answer = store.reserve(reservation);

      String op = "reserve " + reservation.id() + " " + amount + " on " + key.id + " " + before;
      assertThat(answer).as(describe(op)).isEqualTo(fits);
      if (answer) {
        key.open.put(reservation.id(), amount);
        taken.put(reservation.id(), reservation);
        count("reserve ok");
      } else {
        refused.add(reservation);
        count("reserve refused");
      }
      check(op, answer ? key : null);
    }

    /** Re-reserving an id the store holds answers true and takes nothing more. */
    private void reserveAgain() {
      if (!refused.isEmpty() && random.nextInt(4) == 0) {
        // a refused reservation left no trace: its id may try again and is judged afresh
        Reservation retry = refused.remove(random.nextInt(refused.size()));
        KeyModel key = model(retry.keyId());
        reserve(key, new Reservation(retry.id(), retry.keyId(), retry.amountMicros(), now));
        return;
      }
      if (taken.isEmpty()) {
        return;
      }
      List<String> ids = new ArrayList<>(taken.keySet());
      Collections.sort(ids);
      Reservation original = taken.get(ids.get(random.nextInt(ids.size())));
      long amount =
          random.nextBoolean() ? original.amountMicros() : amountFor(model(original.keyId()));
      Reservation again = new Reservation(original.id(), original.keyId(), amount, now);

      boolean answer = store.reserve(again);

      String op = "reserve again " + again;
      assertThat(answer).as(describe(op)).isTrue();
      count("reserve again");
      check(op, null);
    }

    private void settleOpen() {
      List<String> open = new ArrayList<>();
      keys.forEach(key -> open.addAll(key.open.keySet()));
      if (open.isEmpty()) {
        return;
      }
      Reservation reservation = taken.get(open.get(random.nextInt(open.size())));
      KeyModel key = model(reservation.keyId());
      long amount = key.open.get(reservation.id());
      long actual;
      int dice = random.nextInt(10);
      if (dice < 2) {
        actual = 0;
        count("settle refund");
      } else if (dice < 6) {
        actual = amount == 0 ? 0 : random.nextLong(amount);
        count(actual == 0 ? "settle refund" : "settle below");
      } else if (dice < 9) {
        actual = amount;
        count("settle equal");
      } else {
        // an overrun: charged in full, never under-counted
        actual = amount + 1 + random.nextInt(2_000);
        count("settle above");
      }

      boolean answer = store.settle(settlement(reservation, amount, actual));

      String op = "settle " + reservation.id() + " reserved " + amount + " actual " + actual;
      assertThat(answer).as(describe(op)).isTrue();
      key.open.remove(reservation.id());
      key.spent += actual;
      key.charged += actual;
      settled.add(reservation.id());
      logRows++;
      check(op, null);
    }

    /** A second settlement of a settled reservation, or one of an id never reserved: no effect. */
    private void settleAgainOrUnknown() {
      Reservation reservation;
      if (settled.isEmpty() || random.nextInt(4) == 0) {
        String id = refused.isEmpty() ? "ghost-" + step : refused.get(0).id();
        reservation = new Reservation(id, pickKey().id, 100, now);
      } else {
        reservation = taken.get(settled.get(random.nextInt(settled.size())));
      }
      long actual = random.nextInt(3) == 0 ? 0 : random.nextInt(100_000);

      boolean answer = store.settle(settlement(reservation, reservation.amountMicros(), actual));

      String op = "settle again " + reservation.id() + " actual " + actual;
      assertThat(answer).as(describe(op)).isFalse();
      count("settle again");
      check(op, null);
    }

    private void startPeriod(KeyModel key) {
      if (random.nextInt(4) == 0) {
        // a reset that lost the race: the period no longer began at the expected start
        Instant stale = key.periodStart.minusSeconds(1 + random.nextInt(100));
        boolean answer = store.startPeriod(key.id, stale, now);
        String op = "stale period start on " + key.id;
        assertThat(answer).as(describe(op)).isFalse();
        count("period stale");
        check(op, null);
        return;
      }

      boolean answer = store.startPeriod(key.id, key.periodStart, now);

      String op = "period start on " + key.id + " " + key.budget();
      assertThat(answer).as(describe(op)).isTrue();
      key.closedPeriodsSpent += key.spent;
      key.spent = 0;
      key.periodStart = now;
      count("period started");
      check(op, null);
    }

    private void configure(KeyModel key) {
      long period = List.of(0L, 3_600L, 86_400L).get(random.nextInt(3));
      long limit;
      if (key.baseLimit == 0) {
        limit = 0;
      } else {
        int dice = random.nextInt(4);
        if (dice == 0 && key.spent > 1) {
          limit = 1 + random.nextLong(key.spent - 1); // below what is already spent
          count("limit below spend");
        } else if (dice == 1) {
          limit = Math.max(1, key.limit / 2);
          count("limit lowered");
        } else if (dice == 2) {
          limit = key.limit * 2;
          count("limit raised");
        } else {
          limit = key.baseLimit;
          count("limit restored");
        }
      }

      store.configure(key.id, List.of(new BudgetTerms(limit, period)), START);

      String op = "configure " + key.id + " limit " + limit + " period " + period;
      describe(op);
      key.limit = limit;
      key.resetPeriodSeconds = period;
      check(op, null);
    }

    private void recover() {
      int open = keys.stream().mapToInt(key -> key.open.size()).sum();

      int recovered = store.recoverOpenReservations(now);

      String op = "recover " + open + " open reservations";
      assertThat(recovered).as(describe(op)).isEqualTo(open);
      for (KeyModel key : keys) {
        long amount = key.reserved();
        key.spent += amount;
        key.charged += amount;
        settled.addAll(key.open.keySet());
        logRows += key.open.size();
        key.open.clear();
      }
      if (open > 0) {
        count("recovered");
      }
      check(op, null);
    }

    private KeyModel model(String keyId) {
      return keys.stream().filter(key -> key.id.equals(keyId)).findFirst().orElseThrow();
    }

    /** Records {@code op} as the latest operation and describes the run up to it. */
    private String describe(String op) {
      lastOps.addLast("#" + step + " " + op);
      if (lastOps.size() > 12) {
        lastOps.removeFirst();
      }
      return context();
    }

    private String context() {
      return "seed " + seed + ", recent operations:\n  " + String.join("\n  ", lastOps);
    }

    /**
     * The invariants, after every operation. {@code reservedOn} is the key that just had a
     * reservation accepted, whose spend plus reservations must then be within its limit.
     */
    private void check(String op, KeyModel reservedOn) {
      String context = context() + "\n  (checking after " + op + ")";
      Map<String, long[]> tables = tables();
      for (KeyModel key : keys) {
        Budget budget = store.find(key.id).orElseThrow();
        assertThat(budget).as("%s: budget of %s", context, key.id).isEqualTo(key.budget());
        assertThat(budget.spentMicros()).as(context).isNotNegative();
        assertThat(budget.reservedMicros()).as(context).isNotNegative();
        long[] row = tables.get(key.id);
        assertThat(budget.reservedMicros())
            .as("%s: reserved of %s is the sum of its open reservations", context, key.id)
            .isEqualTo(row[0]);
        assertThat(row[1])
            .as("%s: settled reservations of %s add up to its charges", context, key.id)
            .isEqualTo(key.charged);
        assertThat(row[2])
            .as("%s: closed periods of %s", context, key.id)
            .isEqualTo(key.closedPeriodsSpent);
        assertThat(row[2] + budget.spentMicros())
            .as("%s: no charge of %s lost or counted twice across periods", context, key.id)
            .isEqualTo(key.charged);
        assertThat(row[3]).as("%s: one request-log row per settlement", context).isEqualTo(logRows);
        if (key == reservedOn && !budget.isUnlimited()) {
          assertThat(budget.usedMicros())
              .as("%s: an accepted reservation stays within the limit", context)
              .isLessThanOrEqualTo(budget.limitMicros());
        }
      }
    }

    /**
     * Per key, read straight from the tables in one query: open reservations, settled charges (the
     * request-log rows of settlements), closed periods' spend, and the request log's row count.
     */
    private Map<String, long[]> tables() {
      return store
          .database()
          .read(
              handle ->
                  handle
                      .createQuery(
                          "SELECT b.owner_id,"
                              + " (SELECT coalesce(sum(amount_micros), 0) FROM reservations r"
                              + " WHERE r.key_id = b.owner_id),"
                              + " (SELECT coalesce(sum(cost_micros), 0) FROM request_log l"
                              + " WHERE l.key_id = b.owner_id AND l.basis IS NOT NULL),"
                              + " (SELECT coalesce(sum(spent_micros), 0) FROM budget_periods p"
                              + " WHERE p.owner_id = b.owner_id),"
                              + " (SELECT count(*) FROM request_log) FROM budgets b")
                      .reduceResultSet(
                          new HashMap<String, long[]>(),
                          (map, rs, context) -> {
                            map.put(
                                rs.getString(1),
                                new long[] {
                                  rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)
                                });
                            return map;
                          }));
    }
  }

  private static Settlement settlement(Reservation reservation, long reserved, long actual) {
    SettlementBasis basis = actual == 0 ? SettlementBasis.REFUNDED : SettlementBasis.USAGE_REPORTED;
    RequestRecord record =
        new RequestRecord(
            reservation.id(),
            reservation.keyId(),
            "gpt-4o-mini",
            reservation.createdAt(),
            200,
            true,
            10,
            0,
            20,
            reserved,
            actual,
            basis,
            Math.max(0, actual - reserved),
            5,
            null);
    return new Settlement(
        reservation.id(), actual, basis, reservation.createdAt().plusMillis(500), record);
  }

  // --- concurrent: threads doing random operations on one limited key ----------------------------

  @Test
  void threadsDoingRandomOperationsOnOneKeyNeverOvershootAndBalanceToTheMicro() throws Exception {
    long limit = 60_000;
    int threads = 8;
    int opsPerThread = 300;
    try (SqliteStore store = Fixtures.open(dir)) {
      store.open("key_1", limit, 3_600, START);
      Map<String, Long> open = new ConcurrentHashMap<>();
      AtomicLong charged = new AtomicLong();
      AtomicInteger settlements = new AtomicInteger();
      AtomicInteger periodsStarted = new AtomicInteger();
      AtomicInteger accepted = new AtomicInteger();
      AtomicInteger refusedCount = new AtomicInteger();
      AtomicInteger violations = new AtomicInteger();
      AtomicReference<String> firstViolation = new AtomicReference<>();
      AtomicBoolean done = new AtomicBoolean();
      CountDownLatch gate = new CountDownLatch(threads);

      List<Callable<Void>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(
            () -> {
              Random random = new Random(1_000L + thread);
              List<Reservation> mine = new ArrayList<>();
              List<Reservation> mineSettled = new ArrayList<>();
              gate.countDown();
              gate.await();
              for (int i = 0; i < opsPerThread; i++) {
                int dice = random.nextInt(100);
                if (dice < 45 || mine.isEmpty()) {
                  Reservation r =
                      new Reservation(
                          "t" + thread + "-" + i, "key_1", 1 + random.nextInt(6_000), START);
                  if (store.reserve(r)) {
                    open.put(r.id(), r.amountMicros());
                    mine.add(r);
                    accepted.incrementAndGet();
                  } else {
                    refusedCount.incrementAndGet();
                  }
                } else if (dice < 80) {
                  Reservation r = mine.remove(random.nextInt(mine.size()));
                  // never above the reservation here: then spent may never pass the limit
                  long actual = random.nextInt(4) == 0 ? 0 : random.nextLong(r.amountMicros() + 1);
                  assertThat(store.settle(settlement(r, r.amountMicros(), actual))).isTrue();
                  open.remove(r.id());
                  charged.addAndGet(actual);
                  settlements.incrementAndGet();
                  mineSettled.add(r);
                } else if (dice < 88) {
                  // idempotency under contention: a repeat takes nothing and charges nothing
                  Reservation r = mine.get(random.nextInt(mine.size()));
                  assertThat(store.reserve(r)).isTrue();
                  if (!mineSettled.isEmpty()) {
                    Reservation s = mineSettled.get(random.nextInt(mineSettled.size()));
                    assertThat(store.settle(settlement(s, s.amountMicros(), 999))).isFalse();
                  }
                } else if (dice < 92) {
                  // racing resets of the same period: exactly one of them wins
                  Budget budget = store.find("key_1").orElseThrow();
                  Instant expected = budget.periodStartedAt();
                  if (store.startPeriod("key_1", expected, expected.plusSeconds(3_600))) {
                    periodsStarted.incrementAndGet();
                  }
                } else {
                  Thread.onSpinWait();
                }
              }
              return null;
            });
      }
      Thread monitor =
          new Thread(
              () -> {
                while (!done.get()) {
                  Budget budget = store.find("key_1").orElseThrow();
                  if (budget.usedMicros() > budget.limitMicros()) {
                    violations.incrementAndGet();
                    firstViolation.compareAndSet(null, budget.toString());
                  }
                  try {
                    Thread.sleep(0, 200_000); // leave the two-core CI machines to the workers
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "ledger-monitor");
      monitor.start();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (Future<Void> future : pool.invokeAll(workers, 120, TimeUnit.SECONDS)) {
          future.get();
        }
      } finally {
        done.set(true);
        pool.shutdownNow();
        monitor.join(10_000);
      }

      // settle whatever is still open
      for (Map.Entry<String, Long> entry : open.entrySet()) {
        Reservation r = new Reservation(entry.getKey(), "key_1", entry.getValue(), START);
        long actual = entry.getValue() / 2;
        assertThat(store.settle(settlement(r, r.amountMicros(), actual))).isTrue();
        charged.addAndGet(actual);
        settlements.incrementAndGet();
      }

      Budget budget = store.find("key_1").orElseThrow();
      long history =
          Fixtures.count(
              store,
              "SELECT coalesce(sum(spent_micros), 0) FROM budget_periods WHERE owner_id = 'key_1'");
      assertThat(violations).as("first overshoot seen: %s", firstViolation.get()).hasValue(0);
      assertThat(budget.reservedMicros()).isZero();
      assertThat(budget.spentMicros()).isLessThanOrEqualTo(limit);
      assertThat(history + budget.spentMicros()).isEqualTo(charged.get());
      // settled reservations leave the table; their request-log rows stay, one each
      assertThat(Fixtures.count(store, "SELECT count(*) FROM reservations")).isZero();
      assertThat(Fixtures.count(store, "SELECT count(*) FROM request_log"))
          .isEqualTo(settlements.get())
          .isEqualTo(accepted.get());
      assertThat(Fixtures.count(store, "SELECT count(*) FROM budget_periods"))
          .isEqualTo(periodsStarted.get());
      // the run was contended enough to mean something
      assertThat(refusedCount.get()).isPositive();
      assertThat(periodsStarted.get()).isPositive();
    }
  }
}
