package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.RequestLog.DailySpend;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RequestLog} must do: newest-first listing with paging, usage per aligned
 * bucket, and pruning in batches that leaves usage and daily spend as they were. Return a fresh,
 * empty log from {@link #createRequestLog()}; it is closed after each test when it is {@link
 * AutoCloseable}.
 */
public abstract class RequestLogContract {
  /** The log under test, fresh for every test. */
  protected RequestLog requestLog;

  /** A new, empty request log. */
  protected abstract RequestLog createRequestLog() throws Exception;

  @BeforeEach
  void createRequestLogUnderTest() throws Exception {
    requestLog = createRequestLog();
  }

  @AfterEach
  void closeRequestLogUnderTest() throws Exception {
    Closing.closeIfCloseable(requestLog);
  }

  @Test
  void appendedRowsComeBackExactly() {
    RequestRecord refused = TestData.refusal("q1", "key_1", T0);
    RequestRecord served = record("q2", "key_1", T0.plusMillis(1), 42);
    requestLog.append(refused);
    requestLog.append(served);

    assertThat(requestLog.list("key_1", null, 10)).containsExactly(served, refused);
    assertThat(requestLog.list("key_2", null, 10)).isEmpty();
  }

  @Test
  void aRowIsFoundByPouchsIdOrByTheIdItsClientSent() {
    RequestRecord first = withClientId(record("req_1", "key_1", T0, 5), "client-abc");
    RequestRecord second =
        withClientId(record("req_2", "key_1", T0.plusMillis(1), 7), "client-abc");
    RequestRecord other = record("req_3", "key_2", T0.plusMillis(2), 9);
    requestLog.append(first);
    requestLog.append(second);
    requestLog.append(other);

    assertThat(requestLog.find("req_1", 10)).containsExactly(first);
    assertThat(requestLog.find("client-abc", 10))
        .as("a client may reuse an id: every row, newest first")
        .containsExactly(second, first);
    assertThat(requestLog.find("client-abc", 1)).containsExactly(second);
    assertThat(requestLog.find("req_3", 10)).containsExactly(other);
    assertThat(requestLog.find("nothing", 10)).isEmpty();
  }

  private static RequestRecord withClientId(RequestRecord row, String clientRequestId) {
    return new RequestRecord(
        row.requestId(),
        row.keyId(),
        row.model(),
        row.createdAt(),
        row.status(),
        row.streamed(),
        row.promptTokens(),
        row.cachedPromptTokens(),
        row.completionTokens(),
        row.reservedMicros(),
        row.costMicros(),
        row.basis(),
        row.overrunMicros(),
        row.latencyMillis(),
        row.errorCode(),
        row.pricedAs(),
        clientRequestId);
  }

  @Test
  void listIsNewestFirstAndPagesWithBefore() {
    for (int i = 0; i < 5; i++) {
      requestLog.append(record("q" + i, "key_1", T0.plusSeconds(i), 10));
    }
    requestLog.append(record("other", "key_2", T0.plusSeconds(10), 10));

    List<RequestRecord> first = requestLog.list("key_1", null, 2);
    assertThat(first).extracting(RequestRecord::requestId).containsExactly("q4", "q3");
    List<RequestRecord> second = requestLog.list("key_1", first.get(1).createdAt(), 2);
    assertThat(second).extracting(RequestRecord::requestId).containsExactly("q2", "q1");
    List<RequestRecord> last = requestLog.list("key_1", second.get(1).createdAt(), 2);
    assertThat(last).extracting(RequestRecord::requestId).containsExactly("q0");
    assertThat(requestLog.list(null, null, 100))
        .hasSize(6)
        .first()
        .isEqualTo(record("other", "key_2", T0.plusSeconds(10), 10));
  }

  @Test
  void rowsOfTheSameMillisecondListNewestWrittenFirst() {
    requestLog.append(record("a", "key_1", T0, 1));
    requestLog.append(record("b", "key_1", T0, 1));

    assertThat(requestLog.list(null, null, 10))
        .extracting(RequestRecord::requestId)
        .containsExactly("b", "a");
  }

  @Test
  void pagingAfterARowNeitherSkipsNorRepeatsRowsOfTheSameMillisecond() {
    for (int i = 0; i < 5; i++) {
      requestLog.append(record("s" + i, "key_1", T0, 1)); // all in one millisecond
    }
    requestLog.append(record("old", "key_1", T0.minusMillis(1), 1));
    requestLog.append(record("other", "key_2", T0, 1));

    List<String> seen = new java.util.ArrayList<>();
    List<RequestRecord> page = requestLog.list("key_1", null, 2);
    while (!page.isEmpty()) {
      page.forEach(r -> seen.add(r.requestId()));
      page = requestLog.listAfter("key_1", page.get(page.size() - 1).requestId(), 2);
    }

    assertThat(seen).containsExactly("s4", "s3", "s2", "s1", "s0", "old");
    assertThat(requestLog.listAfter(null, "s1", 10))
        .extracting(RequestRecord::requestId)
        .containsExactly("s0", "old");
    assertThat(requestLog.listAfter("key_1", "no-such-request", 10)).isEmpty();
  }

  @Test
  void usageSumsPerAlignedBucketAndLeavesEmptyBucketsOut() {
    Instant hour = T0;
    requestLog.append(record("a", "key_1", hour.plusSeconds(5), 100));
    requestLog.append(record("b", "key_1", hour.plusSeconds(3599), 200));
    requestLog.append(record("c", "key_2", hour.plusSeconds(1800), 7));
    requestLog.append(record("d", "key_1", hour.plus(Duration.ofHours(2)), 50));
    requestLog.append(record("e", "key_1", hour.plus(Duration.ofHours(3)), 1)); // at "to": out

    assertThat(requestLog.usage(null, hour, hour.plus(Duration.ofHours(3)), 3600))
        .containsExactly(
            new UsageBucket(hour, 3, 360, 90, 307),
            new UsageBucket(hour.plus(Duration.ofHours(2)), 1, 120, 30, 50));
    assertThat(requestLog.usage("key_2", hour, hour.plus(Duration.ofDays(1)), 86_400))
        .containsExactly(new UsageBucket(hour, 1, 120, 30, 7));
    assertThat(requestLog.usage("key_1", hour.plusSeconds(6), hour.plusSeconds(3600), 60))
        .containsExactly(new UsageBucket(hour.plusSeconds(3540), 1, 120, 30, 200));
  }

  @Test
  void dailySpendSumsPerUtcDayKeyAndModelWithinTheRange() {
    Instant day = Instant.parse("2026-11-02T00:00:00Z");
    requestLog.append(record("a", "key_1", day.plusSeconds(5), 100));
    requestLog.append(record("b", "key_1", day.plusSeconds(86_399), 200));
    requestLog.append(record("c", "key_2", day.plusSeconds(1800), 7));
    requestLog.append(record("d", "key_1", day.plus(Duration.ofDays(1)), 50));
    requestLog.append(record("e", "key_1", day.minusMillis(1), 1)); // before "from": out
    requestLog.append(record("f", "key_1", day.plus(Duration.ofDays(2)), 1)); // at "to": out

    LocalDate first = LocalDate.of(2026, 11, 2);
    assertThat(requestLog.dailySpend(day, day.plus(Duration.ofDays(2))))
        .containsExactly(
            new DailySpend(first, "key_1", "gpt-4o-mini", 2, 240, 60, 300),
            new DailySpend(first, "key_2", "gpt-4o-mini", 1, 120, 30, 7),
            new DailySpend(first.plusDays(1), "key_1", "gpt-4o-mini", 1, 120, 30, 50));
    assertThat(requestLog.dailySpend(day.plus(Duration.ofDays(3)), day.plus(Duration.ofDays(4))))
        .isEmpty();
  }

  /** A served request's row of any model and numbers. */
  protected static RequestRecord row(
      String id, String keyId, String model, Instant at, long prompt, long output, long cost) {
    return new RequestRecord(
        id,
        keyId,
        model,
        at,
        200,
        false,
        prompt,
        0,
        output,
        cost,
        cost,
        SettlementBasis.USAGE_REPORTED,
        0,
        10,
        null,
        model + "@test",
        null,
        null);
  }

  /** Rows over three days, two keys and two models, at seeded random times and numbers. */
  private List<RequestRecord> appendSpreadRows(int count, long seed) {
    Random random = new Random(seed);
    List<RequestRecord> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      RequestRecord r =
          row(
              "spread-" + i,
              random.nextBoolean() ? "key_1" : "key_2",
              random.nextInt(3) == 0 ? "gpt-4o" : "gpt-4o-mini",
              T0.plusMillis(random.nextInt(3 * 86_400_000)),
              random.nextInt(5_000),
              random.nextInt(2_000),
              random.nextInt(100_000));
      requestLog.append(r);
      rows.add(r);
    }
    return rows;
  }

  /** What {@code usage} must answer, counted from the rows themselves. */
  private static List<UsageBucket> recount(
      List<RequestRecord> rows, String keyId, Instant from, Instant to, long bucketSeconds) {
    TreeMap<Long, long[]> sums = new TreeMap<>();
    for (RequestRecord r : rows) {
      if (r.createdAt().isBefore(from)
          || !r.createdAt().isBefore(to)
          || (keyId != null && !keyId.equals(r.keyId()))) {
        continue;
      }
      long start = Math.floorDiv(r.createdAt().getEpochSecond(), bucketSeconds) * bucketSeconds;
      long[] s = sums.computeIfAbsent(start, k -> new long[4]);
      s[0]++;
      s[1] += r.promptTokens();
      s[2] += r.completionTokens();
      s[3] += r.costMicros();
    }
    List<UsageBucket> buckets = new ArrayList<>();
    sums.forEach(
        (start, s) ->
            buckets.add(new UsageBucket(Instant.ofEpochSecond(start), s[0], s[1], s[2], s[3])));
    return buckets;
  }

  /** Prunes everything due, batch by batch; returns how many rows went. */
  private int pruneAll(Instant before, int batch) {
    int total = 0;
    int pruned;
    do {
      pruned = requestLog.prune(before, batch);
      total += pruned;
    } while (pruned == batch);
    return total;
  }

  @Test
  void theHourlyTotalsAnswerWhatARecountOfTheRowsGives() {
    List<RequestRecord> rows = appendSpreadRows(400, 7);
    Instant end = T0.plus(Duration.ofDays(3));
    // whole hours, a range cut inside hours (rows at both ends), and minutes (rows only)
    Instant cutFrom = T0.plusSeconds(5_400).plusMillis(250);
    Instant cutTo = end.minusSeconds(1_234);

    for (String key : Arrays.asList(null, "key_1")) {
      assertThat(requestLog.usage(key, T0, end, 3_600))
          .isEqualTo(recount(rows, key, T0, end, 3_600));
      assertThat(requestLog.usage(key, T0, end, 86_400))
          .isEqualTo(recount(rows, key, T0, end, 86_400));
      assertThat(requestLog.usage(key, cutFrom, cutTo, 3_600))
          .isEqualTo(recount(rows, key, cutFrom, cutTo, 3_600));
      assertThat(requestLog.usage(key, cutFrom, cutTo, 86_400))
          .isEqualTo(recount(rows, key, cutFrom, cutTo, 86_400));
      assertThat(requestLog.usage(key, cutFrom, cutTo, 600))
          .isEqualTo(recount(rows, key, cutFrom, cutTo, 600));
      assertThat(requestLog.usage(key, cutFrom, cutFrom.plusSeconds(1_000), 3_600))
          .as("a range inside one hour")
          .isEqualTo(recount(rows, key, cutFrom, cutFrom.plusSeconds(1_000), 3_600));
    }
    assertThat(requestLog.dailySpend(T0, end)).isEqualTo(recountDays(rows, T0, end));
    assertThat(requestLog.dailySpend(cutFrom, cutTo)).isEqualTo(recountDays(rows, cutFrom, cutTo));
  }

  /** What {@code dailySpend} must answer, counted from the rows themselves. */
  private static List<DailySpend> recountDays(List<RequestRecord> rows, Instant from, Instant to) {
    TreeMap<String, long[]> sums = new TreeMap<>();
    for (RequestRecord r : rows) {
      if (!r.createdAt().isBefore(from) && r.createdAt().isBefore(to)) {
        String day = LocalDate.ofInstant(r.createdAt(), java.time.ZoneOffset.UTC).toString();
        long[] s = sums.computeIfAbsent(day + "/" + r.keyId() + "/" + r.model(), k -> new long[4]);
        s[0]++;
        s[1] += r.promptTokens();
        s[2] += r.completionTokens();
        s[3] += r.costMicros();
      }
    }
    List<DailySpend> days = new ArrayList<>();
    sums.forEach(
        (k, s) -> {
          String[] parts = k.split("/", 3);
          days.add(
              new DailySpend(
                  LocalDate.parse(parts[0]), parts[1], parts[2], s[0], s[1], s[2], s[3]));
        });
    return days;
  }

  @Test
  void pruningDeletesTheOldestDueRowsInBatchesAndKeepsTheRest() {
    for (int i = 0; i < 7; i++) {
      requestLog.append(record("old" + i, "key_1", T0.plusSeconds(i), 1));
    }
    requestLog.append(record("at-the-cutoff", "key_1", T0.plusSeconds(10), 1));
    requestLog.append(record("new", "key_2", T0.plusSeconds(11), 1));

    assertThat(requestLog.prune(T0.plusSeconds(10), 3)).isEqualTo(3);
    assertThat(requestLog.list(null, null, 100))
        .extracting(RequestRecord::requestId)
        .containsExactly("new", "at-the-cutoff", "old6", "old5", "old4", "old3");
    assertThat(requestLog.prune(T0.plusSeconds(10), 3)).isEqualTo(3);
    assertThat(requestLog.prune(T0.plusSeconds(10), 3)).as("the last one due").isEqualTo(1);
    assertThat(requestLog.prune(T0.plusSeconds(10), 3)).isZero();
    assertThat(requestLog.list(null, null, 100))
        .extracting(RequestRecord::requestId)
        .containsExactly("new", "at-the-cutoff");
    assertThat(requestLog.find("old0", 10)).isEmpty();
  }

  @Test
  void usageAndDailySpendAreTheSameBeforeAndAfterPruning() {
    List<RequestRecord> rows = appendSpreadRows(300, 11);
    Instant end = T0.plus(Duration.ofDays(3));
    Instant dayStart = T0.plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.DAYS);
    List<UsageBucket> hourly = requestLog.usage(null, T0, end, 3_600);
    List<UsageBucket> dailyOfKey = requestLog.usage("key_2", T0, end, 86_400);
    List<DailySpend> spend = requestLog.dailySpend(T0, end);
    List<UsageBucket> lastDay =
        requestLog.usage("key_1", end.minus(Duration.ofDays(1)), end, 3_600);
    long kept =
        rows.stream().filter(r -> !r.createdAt().isBefore(end.minus(Duration.ofDays(1)))).count();

    int pruned = pruneAll(end.minus(Duration.ofDays(1)), 50);

    assertThat(pruned).isEqualTo(rows.size() - kept).isPositive();
    assertThat(requestLog.list(null, null, 1_000)).hasSize((int) kept);
    assertThat(requestLog.usage(null, T0, end, 3_600)).isEqualTo(hourly);
    assertThat(requestLog.usage("key_2", T0, end, 86_400)).isEqualTo(dailyOfKey);
    assertThat(requestLog.dailySpend(T0, end)).isEqualTo(spend);
    assertThat(requestLog.usage("key_1", end.minus(Duration.ofDays(1)), end, 3_600))
        .isEqualTo(lastDay);
    assertThat(requestLog.usage(null, dayStart, end, 86_400))
        .isEqualTo(recount(rows, null, dayStart, end, 86_400));

    pruneAll(end, 1_000);
    assertThat(requestLog.list(null, null, 1_000)).isEmpty();
    assertThat(requestLog.usage(null, T0, end, 3_600)).isEqualTo(hourly);
    assertThat(requestLog.dailySpend(T0, end)).isEqualTo(spend);
  }

  @Test
  void rowsAppendedWhilePruningRunsAreAllCounted() throws Exception {
    int writers = 4;
    int perWriter = 150;
    Instant cutoff = T0.plus(Duration.ofDays(1));
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong prunedRows = new AtomicLong();
    List<RequestRecord> appended = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        work.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perWriter; i++) {
                    // half due for pruning, half kept, in the same hours across writers
                    Instant at = (i % 2 == 0 ? T0 : cutoff).plusSeconds(i * 7L + writer);
                    RequestRecord r = row("w" + writer + "-" + i, "key_1", "gpt-4o", at, 3, 2, 5);
                    requestLog.append(r);
                    appended.add(r);
                  }
                }));
      }
      Future<?> pruner =
          pool.submit(
              () -> {
                while (writing.get()) {
                  prunedRows.addAndGet(requestLog.prune(cutoff, 7));
                }
              });
      for (Future<?> f : work) {
        f.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      pruner.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    prunedRows.addAndGet(pruneAll(cutoff, 1_000));

    int total = writers * perWriter;
    assertThat(appended).hasSize(total);
    assertThat(prunedRows.get()).isEqualTo(total / 2);
    assertThat(requestLog.list(null, null, 1_000))
        .hasSize(total / 2)
        .allMatch(r -> !r.createdAt().isBefore(cutoff));
    Instant end = cutoff.plus(Duration.ofDays(1));
    assertThat(requestLog.usage(null, T0, end, 86_400))
        .containsExactly(
            new UsageBucket(T0, total / 2, 3L * total / 2, 2L * total / 2, 5L * total / 2),
            new UsageBucket(cutoff, total / 2, 3L * total / 2, 2L * total / 2, 5L * total / 2));
  }
}
