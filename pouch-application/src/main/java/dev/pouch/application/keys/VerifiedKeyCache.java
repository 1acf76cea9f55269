package dev.pouch.application.keys;

import dev.pouch.domain.key.AppKey;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Keys by secret hash, so a request does not need a store read to authenticate. It never serves a
 * revoked or edited key: every change goes through {@link #invalidate}, and a load that raced with
 * an invalidation is discarded (an epoch counter detects the race). Misses are not cached.
 *
 * <p>Where the keys are kept is a {@link ConcurrentMap}: by default a JDK map that makes room for a
 * new key by dropping one other, never the whole cache; a host passes a bounded, expiring map (the
 * server: Caffeine's, with least-recently-used eviction) through {@code Pouch.builder().keyCache}.
 */
public final class VerifiedKeyCache {
  private final ConcurrentMap<String, AppKey> byHash;
  private final AtomicLong epoch = new AtomicLong();
  private final int maxEntries;

  /** A cache of at most {@code maxEntries} keys in a JDK map. */
  public VerifiedKeyCache(int maxEntries) {
    this(new ConcurrentHashMap<>(), maxEntries);
  }

  /**
   * A cache over {@code storage}, kept to {@code maxEntries} keys; a storage that bounds itself
   * passes {@link Integer#MAX_VALUE}.
   */
  public VerifiedKeyCache(ConcurrentMap<String, AppKey> storage, int maxEntries) {
    this.byHash = storage;
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
            makeRoom();
          }
          byHash.put(hash, key);
          if (epoch.get() != before) {
            // An edit or revocation happened while we loaded: what we read may be stale.
            byHash.remove(hash, key);
          }
        });
    return loaded;
  }

  /** Drops one entry: any will do, the next request of its key loads it again. */
  private void makeRoom() {
    Iterator<String> hashes = byHash.keySet().iterator();
    if (hashes.hasNext()) {
      byHash.remove(hashes.next());
    }
  }

  /** How many keys are kept. */
  int size() {
    return byHash.size();
  }

  /** Forgets a key after it was edited, renewed or revoked. */
  public void invalidate(String keyId) {
    epoch.incrementAndGet();
    byHash.values().removeIf(key -> key.id().equals(keyId));
  }

  /** Forgets every key, when changes may have been missed (another instance's, unheard). */
  public void invalidateAll() {
    epoch.incrementAndGet();
    byHash.clear();
  }
}
