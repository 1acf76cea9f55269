package dev.pouch.application.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class VerifiedKeyCacheTest {
  private final VerifiedKeyCache cache = new VerifiedKeyCache(100);
  private final AtomicInteger loads = new AtomicInteger();

  private static AppKey key(String id, String hash) {
    KeyPolicy policy =
        new KeyPolicy(new PluginRef("fake", PluginConfig.EMPTY), List.of(), List.of());
    return new AppKey(id, id, "pa-x", hash, Instant.EPOCH, null, false, policy, 1);
  }

  private Function<String, Optional<AppKey>> loading(AppKey key) {
    return hash -> {
      loads.incrementAndGet();
      return Optional.of(key);
    };
  }

  @Test
  void aLoadedKeyIsServedFromTheCacheAfterwards() {
    AppKey key = key("key_a", "hash_a");

    assertThat(cache.get("hash_a", loading(key))).contains(key);
    assertThat(cache.get("hash_a", loading(key))).contains(key);

    assertThat(loads).hasValue(1);
  }

  @Test
  void anInvalidatedKeyIsLoadedAgain() {
    AppKey key = key("key_a", "hash_a");
    cache.get("hash_a", loading(key));

    cache.invalidate("key_a");
    cache.get("hash_a", loading(key));

    assertThat(loads).hasValue(2);
  }

  @Test
  void invalidatingOneKeyKeepsTheOthers() {
    cache.get("hash_a", loading(key("key_a", "hash_a")));
    cache.get("hash_b", loading(key("key_b", "hash_b")));

    cache.invalidate("key_a");
    cache.get("hash_b", loading(key("key_b", "hash_b")));

    assertThat(loads).hasValue(2);
  }

  @Test
  void aLoadRacingWithAnInvalidationIsNotKept() {
    AppKey stale = key("key_a", "hash_a");
    Function<String, Optional<AppKey>> loaderRacedByAnEdit =
        hash -> {
          loads.incrementAndGet();
          cache.invalidate("key_a"); // an admin edits the key while we read it
          return Optional.of(stale);
        };

    assertThat(cache.get("hash_a", loaderRacedByAnEdit)).contains(stale);
    AppKey fresh = stale.withExpiry(Instant.EPOCH.plusSeconds(60));
    Optional<AppKey> next = cache.get("hash_a", loading(fresh));

    assertThat(next).contains(fresh);
    assertThat(loads).hasValue(2);
  }

  @Test
  void invalidatingAllForgetsEveryKeyAndALoadThatRacedIt() {
    cache.get("hash_a", loading(key("key_a", "hash_a")));
    AppKey stale = key("key_b", "hash_b");
    cache.get(
        "hash_b",
        hash -> {
          cache.invalidateAll(); // changes were missed while this load ran
          return Optional.of(stale);
        });

    cache.get("hash_a", loading(key("key_a", "hash_a")));
    cache.get("hash_b", loading(stale));

    assertThat(loads).hasValue(3);
  }

  @Test
  void missesAreNotCached() {
    Function<String, Optional<AppKey>> nothing =
        hash -> {
          loads.incrementAndGet();
          return Optional.empty();
        };

    assertThat(cache.get("hash_x", nothing)).isEmpty();
    assertThat(cache.get("hash_x", nothing)).isEmpty();

    assertThat(loads).hasValue(2);
  }

  @Test
  void aFullCacheStillAnswersCorrectly() {
    VerifiedKeyCache small = new VerifiedKeyCache(2);
    for (int i = 0; i < 10; i++) {
      AppKey key = key("key_" + i, "hash_" + i);
      assertThat(small.get("hash_" + i, loading(key))).contains(key);
    }
    AppKey last = key("key_9", "hash_9");

    assertThat(small.get("hash_9", loading(last))).contains(last);
    assertThat(loads).hasValue(10);
    assertThat(small.size())
        .as("room is made one key at a time, never by a whole flush")
        .isEqualTo(2);
  }
}
