package dev.pouch.application.limits;

import dev.pouch.domain.limit.HeldSlot;
import dev.pouch.domain.limit.SlotPool;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Slots counted in this process. */
final class LocalSlots implements SlotPool {
  private final int max;
  private final AtomicInteger held = new AtomicInteger();

  LocalSlots(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be positive");
    }
    this.max = max;
  }

  @Override
  public int max() {
    return max;
  }

  @Override
  public Optional<HeldSlot> acquire() {
    if (held.incrementAndGet() > max) {
      held.decrementAndGet();
      return Optional.empty();
    }
    AtomicBoolean released = new AtomicBoolean();
    return Optional.of(
        () -> {
          if (released.compareAndSet(false, true)) {
            held.decrementAndGet();
          }
        });
  }
}
