package dev.pouch.adapters.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this instance's concurrency slots alive: every third of their TTL, one script per slot set
 * pushes their expiry forward. When the process dies the renewals stop and its slots expire.
 */
final class SlotRenewer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlotRenewer.class);

  private final LimitScripts scripts;
  private final RedisHealth health;
  private final long ttlMillis;
  private final Map<String, Set<String>> heldByKey = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;

  SlotRenewer(LimitScripts scripts, RedisHealth health, long ttlMillis) {
    this.scripts = scripts;
    this.health = health;
    this.ttlMillis = ttlMillis;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "pouch-redis-slot-renewer");
              thread.setDaemon(true);
              return thread;
            });
    long every = Math.max(10, ttlMillis / 3);
    timer.scheduleWithFixedDelay(this::renewAll, every, every, TimeUnit.MILLISECONDS);
  }

  void hold(String key, String slotId) {
    heldByKey.compute(
        key,
        (k, ids) -> {
          Set<String> held = ids == null ? ConcurrentHashMap.newKeySet() : ids;
          held.add(slotId);
          return held;
        });
  }

  void drop(String key, String slotId) {
    heldByKey.computeIfPresent(
        key,
        (k, ids) -> {
          ids.remove(slotId);
          return ids.isEmpty() ? null : ids;
        });
  }

  /** Slots held now (tests, metrics). */
  int held() {
    return heldByKey.values().stream().mapToInt(Set::size).sum();
  }

  /** Stops renewing (tests: an instance that died). */
  void stop() {
    timer.shutdownNow();
  }

  private void renewAll() {
    for (Map.Entry<String, Set<String>> entry : heldByKey.entrySet()) {
      List<String> ids = new ArrayList<>(entry.getValue());
      if (ids.isEmpty() || !health.tryRedis()) {
        continue;
      }
      try {
        scripts.renew(entry.getKey(), ttlMillis, ids);
        health.answered();
      } catch (RuntimeException unreachable) {
        health.failed(unreachable);
        log.atDebug().addKeyValue("slots", ids.size()).log("slot renewal missed");
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
