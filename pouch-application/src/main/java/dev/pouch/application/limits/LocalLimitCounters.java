package dev.pouch.application.limits;

import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.limit.SlotPool;

/**
 * Counters in this process, shared with no one: every handle is a counter of its own, which lives
 * as long as the middleware that asked for it (its key's configuration). With several instances,
 * each one enforces each limit on its own.
 */
public final class LocalLimitCounters implements LimitCounters {
  /** The one instance: it holds no state of its own. */
  public static final LocalLimitCounters INSTANCE = new LocalLimitCounters();

  private LocalLimitCounters() {}

  @Override
  public RateBucket bucket(String name, long capacity, long periodMillis) {
    return new LocalBucket(capacity, periodMillis);
  }

  @Override
  public SlotPool slots(String name, int max) {
    return new LocalSlots(max);
  }
}
