package dev.pouch.application.keys;

import dev.pouch.domain.key.AppKey;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Keys by secret hash, so a request does not need a store read to authenticate. It never serves a
 * revoked or edited key: every change goes through {@link #invalidate}, and a load that raced with
 * an invalidation is discarded (an epoch counter detects the race). Misses are not cached.
 */
public final class VerifiedKeyCache {
  private final Map<String, AppKey> byHash = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final int maxEntries;

  public VerifiedKeyCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  /** The cached key for {@code hash}, or the loader's answer (cached when no change raced it). */
  public Optional<AppKey> get(String hash, Function<String, Optional<AppKey>> loader) {
    AppKey cached = byHash.get(hash);
    if (cached != null) {
      return Optional.of(cached);
    }
    long before = epoch.get();
    Optional<AppKey> loaded = loader.apply(hash);
    loaded.ifPresent(
        key -> {
          if (byHash.size() >= maxEntries) {
            byHash.clear();
          }
          byHash.put(hash, key);
          if (epoch.get() != before) {
            // An edit or revocation happened while we loaded: what we read may be stale.
            byHash.remove(hash, key);
          }
        });
    return loaded;
  }

  /** Forgets a key after it was edited, renewed or revoked. */
  public void invalidate(String keyId) {
    epoch.incrementAndGet();
    byHash.values().removeIf(key -> key.id().equals(keyId));
  }
}
