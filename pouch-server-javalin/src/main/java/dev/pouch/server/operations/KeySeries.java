package dev.pouch.server.operations;

import dev.pouch.domain.budget.Budget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Per-key series, bounded: the first {@code limit} keys to spend get their own spend counter and
 * remaining-budget gauge ({@code key="<key id>"}); every later key's spend is summed under {@code
 * key="other"}, so a server with a million keys still exposes {@code limit + 1} series. A key keeps
 * its series for the life of the process (the bound counts keys, not scrapes).
 */
final class KeySeries {
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final int limit;
  private final Function<String, Optional<Budget>> budgets;
  private final Map<String, Counter> spend = new ConcurrentHashMap<>();

  KeySeries(MeterRegistry registry, int limit, Function<String, Optional<Budget>> budgets) {
    this.registry = registry;
    this.limit = limit;
    this.budgets = budgets;
  }

  /** A settled charge of {@code keyId}. */
  void spent(String keyId, long micros) {
    if (limit == 0) {
      return;
    }
    Counter counter = spend.get(keyId);
    if (counter == null) {
      // Racing first charges of new keys may register a few keys past the limit: a bound, not a
      // quota, so no lock on the hot path.
      counter =
          spend.size() < limit ? register(keyId) : spend.computeIfAbsent(OTHER, this::counter);
    }
    counter.increment(micros);
  }

  private Counter register(String keyId) {
    return spend.computeIfAbsent(
        keyId,
        id -> {
          Gauge.builder("pouch.key.budget.remaining.micros", () -> remaining(id))
              .description(
                  "A key's budget left in its period (limit less spent and reserved);"
                      + " absent for a key without a limit")
              .tag("key", id)
              .register(registry);
          return counter(id);
        });
  }

  private Counter counter(String key) {
    return Counter.builder("pouch.key.spend.micros")
        .description(
            "Money charged per key, in micro-dollars (key=\"other\": every key past the bound)")
        .tag("key", key)
        .register(registry);
  }

  /**
   * What is left, in micro-dollars; {@code null} (exposed as NaN) for a budget without a limit,
   * which has nothing left to report. Micrometer converts the number only to expose it.
   */
  private Long remaining(String keyId) {
    return budgets
        .apply(keyId)
        .filter(budget -> !budget.isUnlimited())
        .map(Budget::headroomMicros)
        .orElse(null);
  }
}
