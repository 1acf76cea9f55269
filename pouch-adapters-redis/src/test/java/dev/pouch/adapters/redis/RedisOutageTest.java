package dev.pouch.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.HeldSlot;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.limit.SlotPool;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stops answering mid-test: every limit fails open to this instance's own counter of the same
 * size, within the command timeout, and goes back to the shared one when Redis answers.
 */
class RedisOutageTest {
  private static final long HOUR = 3_600_000;

  private static final Duration SLOT_TTL = Duration.ofSeconds(5);

  private final FreezableProxy proxy = new FreezableProxy(TestRedis.url());
  private final RedisLimitsSettings behindProxy =
      TestRedis.settings(proxy.url(), SLOT_TTL)
          .withCommandTimeout(RedisLimitsSettings.DEFAULT_COMMAND_TIMEOUT);
  private final RedisLimitCounters counters = RedisLimitCounters.connect(behindProxy);

  /** Another instance on the same counters, reaching Redis directly. */
  private final RedisLimitCounters direct =
      RedisLimitCounters.connect(
          TestRedis.settings(TestRedis.url(), SLOT_TTL, behindProxy.keyPrefix()));

  RedisOutageTest() throws Exception {}

  @AfterEach
  void close() throws Exception {
    counters.close();
    direct.close();
    proxy.close();
  }

  @Test
  void aRedisThatHangsFailsOpenToTheLocalBucketWithinTheTimeout() throws InterruptedException {
    RateBucket bucket = counters.bucket("key_1/0/rate_limit", 2, HOUR);
    bucket.take(2, Instant.now());
    assertThat(bucket.take(1, Instant.now())).isInstanceOf(BucketTake.Refused.class);

    proxy.freeze();
    long started = System.nanoTime();
    BucketTake duringOutage = bucket.take(1, Instant.now());
    long waitedMillis = (System.nanoTime() - started) / 1_000_000;
    long startedLocal = System.nanoTime();
    BucketTake second = bucket.take(1, Instant.now());
    long localMillis = (System.nanoTime() - startedLocal) / 1_000_000;
    BucketTake third = bucket.take(1, Instant.now());

    assertThat(duringOutage).isInstanceOf(BucketTake.Taken.class); // the local bucket is full
    assertThat(waitedMillis).isBetween(150L, 1_000L); // the 200 ms command timeout, no more
    assertThat(second).isInstanceOf(BucketTake.Taken.class);
    assertThat(localMillis).isLessThan(100); // no second wait: the outage is known
    assertThat(third).isInstanceOf(BucketTake.Refused.class); // the local limit still holds
    assertThat(counters.redisAnswers()).isFalse();

    proxy.thaw();
    Thread.sleep(400); // past the retry interval (300 ms in these settings)
    BucketTake afterOutage = bucket.take(1, Instant.now());

    assertThat(afterOutage).isInstanceOf(BucketTake.Refused.class); // the shared bucket again
    assertThat(counters.redisAnswers()).isTrue();
  }

  @Test
  void aRedisThatIsGoneFailsOpenToTheLocalSlots() throws Exception {
    SlotPool slots = counters.slots("key_1/2/concurrency_limit", 1);
    SlotPool onOtherInstance = direct.slots("key_1/2/concurrency_limit", 1);
    onOtherInstance.acquire().orElseThrow();
    assertThat(slots.acquire()).isEmpty();

    proxy.close(); // connections closed, the port refused
    long started = System.nanoTime();
    Optional<HeldSlot> local = slots.acquire();
    long waitedMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(local).isPresent();
    assertThat(waitedMillis).isLessThan(1_000);
    assertThat(slots.acquire()).isEmpty(); // one in flight on this instance alone
    local.orElseThrow().release();
    assertThat(slots.acquire()).isPresent();
  }

  @Test
  void tokensGivenBackWhileRedisHangsDoNotStallTheRequest() {
    RateBucket bucket = counters.bucket("key_1/1/token_rate_limit", 1_000, HOUR);
    BucketTake.Taken worstCase = (BucketTake.Taken) bucket.take(1_000, Instant.now());

    proxy.freeze();
    long started = System.nanoTime();
    worstCase.giveBack(600);
    long waitedMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(waitedMillis).isLessThan(1_000);
    assertThat(counters.redisAnswers()).isFalse();
  }

  @Test
  void aRedisThatCannotBeReachedAtStartIsAConfigurationError() throws Exception {
    String url = proxy.url();
    proxy.close();

    assertThatThrownBy(() -> RedisLimitCounters.connect(TestRedis.settings(url, SLOT_TTL)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot reach Redis at redis://127.0.0.1:");
  }
}
