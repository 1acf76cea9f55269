package dev.pouch.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a key's budget over the admin API again and again while a load runs, and keeps the most it
 * ever saw in use (spent + reserved): a budget overbooked for a moment shows here even if every
 * request settles back under the limit afterwards.
 */
final class BudgetWatch implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong mostInUse = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  private final Thread thread;

  BudgetWatch(TestPouch pouch, TestPouch.CreatedTestKey key) {
    thread =
        new Thread(
            () -> {
              while (running.get()) {
                JsonNode budget = pouch.budget(key.id());
                long inUse =
                    budget.get("spent_micros").asLong() + budget.get("reserved_micros").asLong();
                mostInUse.accumulateAndGet(inUse, Math::max);
                reads.incrementAndGet();
              }
            },
            "budget-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** The most that was ever spent and reserved at once, as far as the reads saw. */
  long mostInUse() {
    return mostInUse.get();
  }

  /** How many times the budget was read. */
  long reads() {
    return reads.get();
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(10_000);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
