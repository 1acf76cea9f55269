package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.TestPouch.micros;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.ChatBody;
import dev.pouch.application.fakes.FakeStream;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.log.RequestRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many requests racing for one budget: it is never overshot and every micro is accounted for. */
class BudgetConcurrencyTest {
  private static final int REQUESTS = 200;
  private static final int THREADS = 32;
  private static final long LIMIT = 20_000;
  private static final long PROMPT = 90;

  @RegisterExtension final TestPouch pouch = new TestPouch();
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void close() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void racingRequestsNeverOvershootTheBudgetAndSpendExactlyWhatWasServed() throws Exception {
    // A small output limit keeps clamped reservations modest, so many requests overlap.
    pouch.upstream.model(FakeUpstream.MODEL, FakeUpstream.perToken(1, 2), 256);
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    pouch.store.simulateReserveLatency(Duration.ofNanos(200_000));
    Queue<Long> billed = new ConcurrentLinkedQueue<>();
    AtomicInteger answers = new AtomicInteger();
    pouch.upstream.answer(
        call -> {
          int n = answers.incrementAndGet();
          long cap = call.request().maxOutputTokens();
          long completion = Math.min(cap, 10 + n % 30);
          billed.add(micros(PROMPT, completion));
          Thread.yield(); // let others race while this reservation is open
          return call.request().stream()
              ? FakeUpstream.streaming(
                  FakeStream.billingPrompt(PROMPT)
                      .chunk("a", completion / 2)
                      .chunk("b", completion - completion / 2))
              : FakeUpstream.ok(PROMPT, completion);
        });
    CountDownLatch start = new CountDownLatch(1);
    List<Future<ErrorCode>> outcomes = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      ChatBody body = request(i);
      outcomes.add(pool.submit(() -> send(start, key, body)));
    }

    start.countDown();

    List<ErrorCode> refusals = new ArrayList<>();
    int served = 0;
    for (Future<ErrorCode> outcome : outcomes) {
      ErrorCode refusal = outcome.get(10, TimeUnit.SECONDS);
      if (refusal == null) {
        served++;
      } else {
        refusals.add(refusal);
      }
    }
    Budget budget = pouch.budget(key);
    long billedTotal = billed.stream().mapToLong(Long::longValue).sum();
    assertThat(served).as("some requests are served").isPositive();
    assertThat(refusals).as("the budget covers only some").isNotEmpty();
    assertThat(refusals).containsOnly(ErrorCode.BUDGET_EXCEEDED);
    assertThat(billed).as("refused requests never reach the upstream").hasSize(served);
    assertThat(budget.spentMicros()).isLessThanOrEqualTo(LIMIT);
    assertThat(pouch.store.peakUsedMicros(key.view().key().id()))
        .as("spent + reserved never went past the limit, not even for a moment")
        .isLessThanOrEqualTo(LIMIT);
    assertThat(budget.reservedMicros()).isZero();
    assertThat(budget.spentMicros()).isEqualTo(billedTotal);
    List<RequestRecord> records = pouch.store.records();
    assertThat(records).as("one row per request, refused ones too").hasSize(REQUESTS);
    assertThat(records).filteredOn(r -> r.basis() != null).hasSize(served);
    assertThat(records)
        .filteredOn(r -> r.basis() == null)
        .hasSize(refusals.size())
        .allSatisfy(r -> assertThat(r.costMicros()).isZero())
        .allSatisfy(r -> assertThat(r.errorCode()).isEqualTo("budget_exceeded"));
    assertThat(records).allSatisfy(r -> assertThat(r.overrunMicros()).isZero());
    assertThat(pouch.store.openReservations()).isEmpty();
  }

  /** Every other request names its limit; every third streams. */
  private static ChatBody request(int i) {
    ChatBody body = i % 2 == 0 ? chat().maxTokens(40) : chat();
    return i % 3 == 0 ? body.stream() : body;
  }

  /**
   * Sends one request once the start gate opens; null when served, the refusal's code otherwise.
   */
  private ErrorCode send(CountDownLatch start, CreatedKey key, ChatBody body) throws Exception {
    start.await();
    ProxyResponse response = pouch.chat(key, body);
    if (response instanceof ProxyResponse.Refused refused) {
      return refused.refusal().code();
    }
    if (response instanceof ProxyResponse.Streaming streaming) {
      try (var stream = streaming.stream()) {
        while (stream.next() != null) {
          // a client reading to the end
        }
      }
    }
    assertThat(response.status()).isEqualTo(200);
    return null;
  }
}
