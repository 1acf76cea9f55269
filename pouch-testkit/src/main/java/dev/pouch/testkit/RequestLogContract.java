package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.RequestLog.DailySpend;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.log.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RequestLog} must do: newest-first listing with paging, and usage per aligned
 * bucket. Return a fresh, empty log from {@link #createRequestLog()}; it is closed after each test
 * when it is {@link AutoCloseable}.
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
}
