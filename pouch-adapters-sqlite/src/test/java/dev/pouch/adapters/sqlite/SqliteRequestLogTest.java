package dev.pouch.adapters.sqlite;

import static dev.pouch.adapters.sqlite.Fixtures.T0;
import static dev.pouch.adapters.sqlite.Fixtures.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.log.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteRequestLogTest extends StoreTest {

  @Test
  void listIsNewestFirstAndPagesWithBefore() {
    for (int i = 0; i < 5; i++) {
      store.append(record("q" + i, "key_1", T0.plusSeconds(i), 10));
    }
    store.append(record("other", "key_2", T0.plusSeconds(10), 10));

    List<RequestRecord> first = store.list("key_1", null, 2);
    assertThat(first).extracting(RequestRecord::requestId).containsExactly("q4", "q3");
    List<RequestRecord> second = store.list("key_1", first.get(1).createdAt(), 2);
    assertThat(second).extracting(RequestRecord::requestId).containsExactly("q2", "q1");
    List<RequestRecord> last = store.list("key_1", second.get(1).createdAt(), 2);
    assertThat(last).extracting(RequestRecord::requestId).containsExactly("q0");
    assertThat(store.list(null, null, 100))
        .hasSize(6)
        .first()
        .isEqualTo(record("other", "key_2", T0.plusSeconds(10), 10));
  }

  @Test
  void rowsOfTheSameMillisecondListNewestWrittenFirst() {
    store.append(record("a", "key_1", T0, 1));
    store.append(record("b", "key_1", T0, 1));

    assertThat(store.list(null, null, 10))
        .extracting(RequestRecord::requestId)
        .containsExactly("b", "a");
  }

  @Test
  void listClampsItsLimit() {
    store.append(record("a", "key_1", T0, 1));
    store.append(record("b", "key_1", T0.plusMillis(1), 1));

    assertThat(store.list(null, null, 0)).hasSize(1);
    assertThat(store.list(null, null, -5)).hasSize(1);
    assertThat(store.list(null, null, Integer.MAX_VALUE)).hasSize(2);
  }

  @Test
  void usageSumsPerAlignedBucketAndLeavesEmptyBucketsOut() {
    Instant hour = T0;
    store.append(record("a", "key_1", hour.plusSeconds(5), 100));
    store.append(record("b", "key_1", hour.plusSeconds(3599), 200));
    store.append(record("c", "key_2", hour.plusSeconds(1800), 7));
    store.append(record("d", "key_1", hour.plus(Duration.ofHours(2)), 50));
    store.append(record("e", "key_1", hour.plus(Duration.ofHours(3)), 1)); // at "to": excluded

    List<UsageBucket> all = store.usage(null, hour, hour.plus(Duration.ofHours(3)), 3600);
    assertThat(all)
        .containsExactly(
            new UsageBucket(hour, 3, 360, 90, 307),
            new UsageBucket(hour.plus(Duration.ofHours(2)), 1, 120, 30, 50));

    assertThat(store.usage("key_2", hour, hour.plus(Duration.ofDays(1)), 86_400))
        .containsExactly(new UsageBucket(hour, 1, 120, 30, 7));
    assertThat(store.usage("key_1", hour.plusSeconds(6), hour.plusSeconds(3600), 60))
        .containsExactly(new UsageBucket(hour.plusSeconds(3540), 1, 120, 30, 200));
    assertThatThrownBy(() -> store.usage(null, hour, hour, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
