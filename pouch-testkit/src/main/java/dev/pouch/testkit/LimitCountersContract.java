package dev.pouch.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.HeldSlot;
import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.limit.SlotPool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LimitCounters} must do with one handle: a bucket gives at most its capacity,
 * refills over its period, takes nothing when it refuses and takes back what is given back (never
 * past its capacity); a slot pool holds at most its size, and a slot is released once; neither
 * gives more than its bound to concurrent callers. Time is the wall clock (a shared store runs on
 * its own), so the refill case sleeps a little. Return fresh counters from {@link
 * #createLimitCounters()}; they are closed after each test when they are {@link AutoCloseable}.
 * Names are unique per test, so a store may be shared between tests.
 */
public abstract class LimitCountersContract {
  private static final long HOUR = 3_600_000;

  /** The counters under test, fresh for every test. */
  protected LimitCounters counters;

  private final String prefix = "contract-" + UUID.randomUUID() + "/";

  /** New counters. */
  protected abstract LimitCounters createLimitCounters() throws Exception;

  @BeforeEach
  void createLimitCountersUnderTest() throws Exception {
    counters = createLimitCounters();
  }

  @AfterEach
  void closeLimitCountersUnderTest() throws Exception {
    Closing.closeIfCloseable(counters);
  }

  private String name(String what) {
    return prefix + what;
  }

  private static BucketTake take(RateBucket bucket, long units) {
    return bucket.take(units, Instant.now());
  }

  @Test
  void aBucketGivesItsCapacityThenRefusesWithARetryAfter() {
    RateBucket bucket = counters.bucket(name("rate"), 3, HOUR);

    assertThat(take(bucket, 1)).isInstanceOf(BucketTake.Taken.class);
    assertThat(take(bucket, 1)).isInstanceOf(BucketTake.Taken.class);
    assertThat(take(bucket, 1).remaining()).isZero();
    BucketTake refused = take(bucket, 1);

    assertThat(refused).isInstanceOf(BucketTake.Refused.class);
    assertThat(((BucketTake.Refused) refused).retryAfterSeconds()).isBetween(1L, 1200L);
    assertThat(refused.resetMillis()).isBetween(HOUR - 60_000, HOUR);
  }

  @Test
  void aRefusedTakeTakesNothing() {
    RateBucket bucket = counters.bucket(name("rate"), 5, HOUR);

    assertThat(take(bucket, 6)).isInstanceOf(BucketTake.Refused.class);
    BucketTake all = take(bucket, 5);

    assertThat(all).isInstanceOf(BucketTake.Taken.class);
    assertThat(all.remaining()).isZero();
  }

  @Test
  void unitsGivenBackCanBeTakenAgain() {
    RateBucket bucket = counters.bucket(name("tokens"), 10, HOUR);
    BucketTake.Taken taken = (BucketTake.Taken) take(bucket, 10);

    taken.giveBack(4);

    assertThat(take(bucket, 4)).isInstanceOf(BucketTake.Taken.class);
    assertThat(take(bucket, 1)).isInstanceOf(BucketTake.Refused.class);
  }

  @Test
  void givingBackNeverFillsABucketPastItsCapacity() {
    RateBucket bucket = counters.bucket(name("tokens"), 5, HOUR);
    BucketTake.Taken taken = (BucketTake.Taken) take(bucket, 1);

    taken.giveBack(100);

    assertThat(take(bucket, 6)).isInstanceOf(BucketTake.Refused.class);
    assertThat(take(bucket, 5)).isInstanceOf(BucketTake.Taken.class);
  }

  @Test
  void aBucketRefillsOverItsPeriod() throws InterruptedException {
    RateBucket bucket = counters.bucket(name("rate"), 2, 400);
    take(bucket, 2);
    assertThat(take(bucket, 1)).isInstanceOf(BucketTake.Refused.class);

    Thread.sleep(450);

    assertThat(take(bucket, 2)).isInstanceOf(BucketTake.Taken.class);
  }

  @Test
  void aBucketOfATrillionTokensCountsEachToken() {
    long century = 100L * 365 * 24 * HOUR; // refills ~0.3 tokens a millisecond
    RateBucket bucket = counters.bucket(name("tokens"), 1_000_000_000_000L, century);

    BucketTake taken = take(bucket, 999_999_999_990L);
    BucketTake refused = take(bucket, 1_000);

    assertThat(taken).isInstanceOf(BucketTake.Taken.class);
    assertThat(taken.remaining()).isBetween(10L, 20L);
    assertThat(refused).isInstanceOf(BucketTake.Refused.class);
    assertThat(((BucketTake.Refused) refused).retryAfterSeconds()).isBetween(2L, 4L);
  }

  @Test
  void concurrentTakesNeverGiveMoreThanTheCapacity() throws Exception {
    RateBucket bucket = counters.bucket(name("rate"), 100, HOUR);

    List<Boolean> outcomes = race(400, () -> take(bucket, 1) instanceof BucketTake.Taken);

    assertThat(outcomes.stream().filter(taken -> taken).count()).isEqualTo(100);
  }

  @Test
  void aPoolHoldsAtMostItsSize() {
    SlotPool pool = counters.slots(name("slots"), 2);

    Optional<HeldSlot> first = pool.acquire();
    Optional<HeldSlot> second = pool.acquire();
    Optional<HeldSlot> third = pool.acquire();
    first.orElseThrow().release();
    Optional<HeldSlot> fourth = pool.acquire();

    assertThat(second).isPresent();
    assertThat(third).isEmpty();
    assertThat(fourth).isPresent();
    assertThat(pool.max()).isEqualTo(2);
  }

  @Test
  void aSlotReleasedTwiceFreesOnePlace() {
    SlotPool pool = counters.slots(name("slots"), 1);
    HeldSlot held = pool.acquire().orElseThrow();

    held.release();
    held.release();

    assertThat(pool.acquire()).isPresent();
    assertThat(pool.acquire()).isEmpty();
  }

  @Test
  void concurrentAcquiresNeverHoldMoreThanThePoolSize() throws Exception {
    SlotPool pool = counters.slots(name("slots"), 5);

    List<Boolean> outcomes = race(80, () -> pool.acquire().isPresent());

    assertThat(outcomes.stream().filter(held -> held).count()).isEqualTo(5);
  }

  /** Runs {@code attempts} calls of {@code attempt} on 8 threads released at once. */
  private static List<Boolean> race(int attempts, Callable<Boolean> attempt) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int i = 0; i < attempts; i++) {
        futures.add(
            threads.submit(
                () -> {
                  start.await();
                  return attempt.call();
                }));
      }
      start.countDown();
      List<Boolean> outcomes = new ArrayList<>();
      for (Future<Boolean> future : futures) {
        outcomes.add(future.get());
      }
      return outcomes;
    } finally {
      threads.shutdownNow();
    }
  }
}
