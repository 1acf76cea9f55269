package dev.pouch.adapters.redis;

import dev.pouch.domain.limit.HeldSlot;
import dev.pouch.domain.limit.SlotPool;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A slot pool in Redis: a sorted set of slot ids scored by their expiry, which {@link SlotRenewer}
 * pushes forward while the holder lives, so the slots of an instance that died expire. While Redis
 * does not answer, slots come from this instance's own pool of the same size.
 */
final class RedisSlots implements SlotPool {
  private final String key;
  private final int max;
  private final long ttlMillis;
  private final LimitScripts scripts;
  private final RedisHealth health;
  private final SlotRenewer renewer;
  private final Supplier<String> slotIds;
  private final SlotPool local;

  RedisSlots(
      String key,
      int max,
      long ttlMillis,
      LimitScripts scripts,
      RedisHealth health,
      SlotRenewer renewer,
      Supplier<String> slotIds,
      SlotPool local) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be positive");
    }
    this.key = key;
    this.max = max;
    this.ttlMillis = ttlMillis;
    this.scripts = scripts;
    this.health = health;
    this.renewer = renewer;
    this.slotIds = slotIds;
    this.local = local;
  }

  @Override
  public int max() {
    return max;
  }

  @Override
  public Optional<HeldSlot> acquire() {
    if (health.tryRedis()) {
      String id = slotIds.get();
      try {
        boolean acquired = scripts.acquire(key, max, ttlMillis, id);
        health.answered();
        if (!acquired) {
          return Optional.empty();
        }
        Slot slot = new Slot(id);
        renewer.hold(key, id);
        return Optional.of(slot);
      } catch (RuntimeException unreachable) {
        health.failed(unreachable);
      }
    }
    return local.acquire();
  }

  /** A slot in Redis: released once; a release Redis misses expires with the TTL instead. */
  private final class Slot implements HeldSlot {
    private final String id;
    private final AtomicBoolean released = new AtomicBoolean();

    Slot(String id) {
      this.id = id;
    }

    @Override
    public void release() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      renewer.drop(key, id);
      if (health.tryRedis()) {
        try {
          scripts.release(key, id);
          health.answered();
        } catch (RuntimeException unreachable) {
          health.failed(unreachable);
        }
      }
    }
  }
}
