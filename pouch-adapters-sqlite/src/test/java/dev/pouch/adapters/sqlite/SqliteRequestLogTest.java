package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.RequestLog;
import dev.pouch.testkit.RequestLogContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request log contract on a SQLite file, and SQLite's lenient argument handling. */
class SqliteRequestLogTest extends RequestLogContract {
  @TempDir Path dir;

  @Override
  protected RequestLog createRequestLog() {
    return Fixtures.open(dir);
  }

  @Test
  void listClampsItsLimit() {
    requestLog.append(record("a", "key_1", T0, 1));
    requestLog.append(record("b", "key_1", T0.plusMillis(1), 1));

    assertThat(requestLog.list(null, null, 0)).hasSize(1);
    assertThat(requestLog.list(null, null, -5)).hasSize(1);
    assertThat(requestLog.list(null, null, Integer.MAX_VALUE)).hasSize(2);
  }

  @Test
  void usageRefusesAnEmptyBucket() {
    assertThatThrownBy(() -> requestLog.usage(null, T0, T0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
