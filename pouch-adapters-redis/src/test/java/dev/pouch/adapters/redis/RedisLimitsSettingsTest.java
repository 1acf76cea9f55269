package dev.pouch.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.limit.RateBucket;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RedisLimitsSettingsTest {

  @Test
  void settingsNeverPrintTheUrlsCredentialsOrThePassword() {
    RedisLimitsSettings settings =
        RedisLimitsSettings.of("redis://pouch:s3cret@cache.internal:6380/2")
            .withPassword("other-secret");

    assertThat(settings.toString())
        .contains("redis://cache.internal:6380/2")
        .doesNotContain("s3cret")
        .doesNotContain("other-secret")
        .doesNotContain("pouch:");
  }

  @Test
  void aUrlThatIsNotRedisIsRefused() {
    assertThatThrownBy(() -> RedisLimitsSettings.of("http://cache:6379"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anIdleBucketVanishesFromRedisOnceItWouldBeFull() throws InterruptedException {
    RedisLimitsSettings settings = TestRedis.settings();
    try (RedisLimitCounters counters = RedisLimitCounters.connect(settings);
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(TestRedis.url());
        var connection = client.connect()) {
      RateBucket bucket = counters.bucket("key_1/0/rate_limit", 5, 100);
      bucket.take(1, Instant.now());
      String key = settings.keyPrefix() + "bucket:key_1/0/rate_limit";
      long ttl = connection.sync().pttl(key);

      assertThat(ttl).isBetween(1L, 1_100L); // the period plus a second
      Thread.sleep(ttl + 100);
      assertThat(connection.sync().exists(key)).isZero();
    }
  }
}
