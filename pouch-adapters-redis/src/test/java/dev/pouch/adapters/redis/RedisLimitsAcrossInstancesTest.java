package dev.pouch.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.HeldSlot;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.limit.SlotPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two {@link RedisLimitCounters}, as two gateway instances would hold, on one Redis. */
class RedisLimitsAcrossInstancesTest {
  private static final Duration SLOT_TTL = Duration.ofMillis(600);

  private final RedisLimitsSettings settings = TestRedis.settings(TestRedis.url(), SLOT_TTL);
  private final RedisLimitCounters first = RedisLimitCounters.connect(settings);
  private final RedisLimitCounters second = RedisLimitCounters.connect(settings);

  @AfterEach
  void close() {
    first.close();
    second.close();
  }

  @Test
  void exactlyTheLimitPassesWhenTwoInstancesRaceOnOneRateLimit() throws Exception {
    RateBucket onFirst = first.bucket("key_1/0/rate_limit", 50, 3_600_000);
    RateBucket onSecond = second.bucket("key_1/0/rate_limit", 50, 3_600_000);
    ExecutorService threads = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<BucketTake>> takes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      RateBucket bucket = i % 2 == 0 ? onFirst : onSecond;
      takes.add(
          threads.submit(
              () -> {
                start.await();
                return bucket.take(1, Instant.now());
              }));
    }
    start.countDown();
    int taken = 0;
    for (Future<BucketTake> take : takes) {
      taken += take.get() instanceof BucketTake.Taken ? 1 : 0;
    }
    threads.shutdown();

    assertThat(taken).isEqualTo(50);
    assertThat(first.redisAnswers()).isTrue();
  }

  @Test
  void tokensGivenBackOnOneInstanceCanBeTakenOnTheOther() {
    RateBucket onFirst = first.bucket("key_1/1/token_rate_limit", 1_000, 3_600_000);
    RateBucket onSecond = second.bucket("key_1/1/token_rate_limit", 1_000, 3_600_000);
    BucketTake.Taken worstCase = (BucketTake.Taken) onFirst.take(1_000, Instant.now());
    assertThat(onSecond.take(300, Instant.now())).isInstanceOf(BucketTake.Refused.class);

    worstCase.giveBack(700); // the answer used 300 of the 1,000 counted

    assertThat(onSecond.take(700, Instant.now())).isInstanceOf(BucketTake.Taken.class);
    assertThat(onSecond.take(1, Instant.now())).isInstanceOf(BucketTake.Refused.class);
  }

  @Test
  void aSlotHeldOnOneInstanceIsFullOnTheOtherUntilReleased() {
    SlotPool onFirst = first.slots("key_1/2/concurrency_limit", 1);
    SlotPool onSecond = second.slots("key_1/2/concurrency_limit", 1);
    HeldSlot held = onFirst.acquire().orElseThrow();

    Optional<HeldSlot> whileHeld = onSecond.acquire();
    held.release();
    Optional<HeldSlot> afterRelease = onSecond.acquire();

    assertThat(whileHeld).isEmpty();
    assertThat(afterRelease).isPresent();
  }

  @Test
  void aLiveHoldersSlotOutlivesItsTtlWhileItIsRenewed() throws InterruptedException {
    SlotPool onFirst = first.slots("key_1/2/concurrency_limit", 1);
    SlotPool onSecond = second.slots("key_1/2/concurrency_limit", 1);
    onFirst.acquire().orElseThrow();

    Thread.sleep(SLOT_TTL.toMillis() * 3);

    assertThat(onSecond.acquire()).isEmpty();
    assertThat(first.slotsHeld()).isEqualTo(1);
  }

  @Test
  void theSlotOfAnInstanceThatDiedExpiresAndItsPlaceIsGivenToAnother() throws InterruptedException {
    SlotPool onFirst = first.slots("key_1/2/concurrency_limit", 1);
    SlotPool onSecond = second.slots("key_1/2/concurrency_limit", 1);
    onFirst.acquire().orElseThrow(); // a stream in flight on an instance that then dies
    first.stopRenewing();
    assertThat(onSecond.acquire()).isEmpty();

    Thread.sleep(SLOT_TTL.toMillis() + 200);

    assertThat(onSecond.acquire()).isPresent();
  }
}
