package dev.pouch.bench;

import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The money path against SQLite on a temporary file ({@link SqliteStore}, as the server opens it):
 * one reservation and its settlement (with its request-log row), each durable when it returns —
 * alone, alone after a pause (a lone request on a quiet server: the store's threads are parked), and
 * with 16 threads at once on one key; then each stage on its own ({@link #reserve}, {@link
 * #settle}: the other half runs unmeasured around it). The budget read every request makes twice is
 * measured alongside.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LedgerBench {
  /** {@code NOW}: G3, fsynced before the call; {@code LATER}: {@code --reservation-sync later}. */
  @Param({"NOW", "LATER"})
  public ReservationSync reservationSync;

  private Fixtures.PouchUnderTest pouch;
  private SqliteStore store;
  private String keyId;
  private static final long RESERVED = 10_000;

  private final AtomicLong sequence = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() {
    pouch = new Fixtures.PouchUnderTest("http://127.0.0.1:9/v1", reservationSync);
    store = pouch.store;
    keyId = pouch.keyId;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pouch.close();
  }

  @Benchmark
  public boolean reserveAndSettle() {
    return reserveSettle();
  }

  /** The pause before each {@link #reserveAndSettleAfterPause} (not measured). */
  @State(Scope.Thread)
  public static class Pause {
    @Setup(Level.Invocation)
    public void pause() throws InterruptedException {
      Thread.sleep(2);
    }
  }

  @Benchmark
  public boolean reserveAndSettleAfterPause(Pause pause) {
    return reserveSettle();
  }

  @Benchmark
  @Threads(16)
  public boolean reserveAndSettle16Threads() {
    return reserveSettle();
  }

  /** Settles, unmeasured, what each {@link #reserve} reserved, so the budget never runs out. */
  @State(Scope.Thread)
  public static class SettleAfter {
    private String id;

    @TearDown(Level.Invocation)
    public void settle(LedgerBench bench) {
      bench.settle(id, Instant.now());
    }
  }

  /** Reserves, unmeasured, what each {@link #settle} settles. */
  @State(Scope.Thread)
  public static class ReserveBefore {
    private String id;

    @Setup(Level.Invocation)
    public void reserve(LedgerBench bench) {
      id = bench.reserve(Instant.now());
    }
  }

  /** The reservation alone: the guarded budget update and its row, durable on return. */
  @Benchmark
  public String reserve(SettleAfter after) {
    after.id = reserve(Instant.now());
    return after.id;
  }

  /** The settlement alone: the charge, the release and the request-log row. */
  @Benchmark
  public boolean settle(ReserveBefore before) {
    return settle(before.id, Instant.now());
  }

  @Benchmark
  public Budget readBudget() {
    return store.require(keyId);
  }

  private boolean reserveSettle() {
    Instant now = Instant.now();
    return settle(reserve(now), now);
  }

  private String reserve(Instant now) {
    String id = "req_bench_" + sequence.incrementAndGet();
    if (!store.reserve(new Reservation(id, keyId, RESERVED, now))) {
      throw new IllegalStateException("the budget refused a reservation");
    }
    return id;
  }

  private boolean settle(String id, Instant now) {
    long actual = 9_000;
    RequestRecord row =
        new RequestRecord(
            id,
            keyId,
            "gpt-4o-mini",
            now,
            200,
            false,
            460,
            0,
            7,
            RESERVED,
            actual,
            SettlementBasis.USAGE_REPORTED,
            0,
            5,
            null,
            "gpt-4o-mini@bench");
    return store.settle(new Settlement(id, actual, SettlementBasis.USAGE_REPORTED, now, row));
  }
}
