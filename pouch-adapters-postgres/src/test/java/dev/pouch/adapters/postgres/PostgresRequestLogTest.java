package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.RequestLog;
import dev.pouch.testkit.RequestLogContract;
import org.junit.jupiter.api.extension.ExtendWith;

/** The request log contract on PostgreSQL, on a schema of its own emptied for each test. */
@ExtendWith(TestDatabase.class)
class PostgresRequestLogTest extends RequestLogContract {
  @Override
  protected RequestLog createRequestLog() {
    return TestDatabase.open(getClass());
  }
}
