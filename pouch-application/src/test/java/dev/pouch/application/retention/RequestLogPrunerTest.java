package dev.pouch.application.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.fakes.MutableClock;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.log.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestLogPrunerTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  private final InMemoryStore store = new InMemoryStore();
  private final MutableClock clock = new MutableClock(T0);

  private static RequestRecord row(String id, Instant at) {
    return new RequestRecord(
        id,
        "key_1",
        "gpt-4o-mini",
        at,
        200,
        false,
        10,
        0,
        5,
        7,
        7,
        null,
        0,
        3,
        null,
        null,
        null,
        null);
  }

  private void appendOneAMinuteFor(Duration span, String prefix) {
    for (long m = 0; m < span.toMinutes(); m++) {
      store.append(row(prefix + m, clock.instant().minus(span).plusSeconds(m * 60)));
    }
  }

  @Test
  void aRunDeletesEveryRowOlderThanThePolicyKeepsInBatchesAndKeepsTheTotals() {
    clock.set(T0.plus(Duration.ofDays(3)));
    appendOneAMinuteFor(Duration.ofDays(3), "r"); // 4,320 rows, one a minute
    Instant from = T0;
    Instant to = clock.instant();
    List<UsageBucket> daily = store.usage(null, from, to, 86_400);
    List<Integer> batches = new ArrayList<>();
    RequestLogPruner pruner =
        new RequestLogPruner(
            new CountingLog(store, batches),
            clock,
            new RetentionPolicy(Duration.ofDays(1), 1_000, Duration.ZERO));

    long deleted = pruner.pruneOnce();

    assertThat(deleted).isEqualTo(2 * 1_440);
    assertThat(batches).containsExactly(1_000, 1_000, 880);
    assertThat(store.records())
        .hasSize(1_440)
        .allMatch(r -> !r.createdAt().isBefore(clock.instant().minus(Duration.ofDays(1))));
    assertThat(store.usage(null, from, to, 86_400)).isEqualTo(daily);
    assertThat(pruner.pruneOnce()).as("nothing more is due").isZero();
  }

  @Test
  void anInterruptedRunStopsBetweenBatches() {
    clock.set(T0.plus(Duration.ofDays(3)));
    appendOneAMinuteFor(Duration.ofDays(3), "r");
    RequestLogPruner pruner =
        new RequestLogPruner(
            store, clock, new RetentionPolicy(Duration.ofDays(1), 100, Duration.ofSeconds(30)));

    Thread.currentThread().interrupt();
    try {
      assertThat(pruner.pruneOnce()).isZero();
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    }
    assertThat(store.records()).hasSize(3 * 1_440);
  }

  @Test
  void rowsAreKeptAtLeastADay() {
    assertThatThrownBy(() -> RetentionPolicy.keeping(Duration.ofHours(23)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least a day");
    assertThatThrownBy(() -> new RetentionPolicy(Duration.ofDays(1), 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RetentionPolicy.keeping(Duration.ofDays(30)).batchSize())
        .isEqualTo(RetentionPolicy.DEFAULT_BATCH);
  }

  /** The store's log, noting what each prune deleted. */
  private record CountingLog(InMemoryStore store, List<Integer> batches) implements RequestLog {
    @Override
    public void append(RequestRecord record) {
      store.append(record);
    }

    @Override
    public List<RequestRecord> list(String keyId, Instant before, int limit) {
      return store.list(keyId, before, limit);
    }

    @Override
    public List<RequestRecord> listAfter(String keyId, String afterRequestId, int limit) {
      return store.listAfter(keyId, afterRequestId, limit);
    }

    @Override
    public List<RequestRecord> find(String id, int limit) {
      return store.find(id, limit);
    }

    @Override
    public int prune(Instant before, int batch) {
      int pruned = store.prune(before, batch);
      batches.add(pruned);
      return pruned;
    }

    @Override
    public List<UsageBucket> usage(String keyId, Instant from, Instant to, long bucketSeconds) {
      return store.usage(keyId, from, to, bucketSeconds);
    }
  }
}
