package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.testkit.StoredResponsesContract;
import org.junit.jupiter.api.extension.ExtendWith;

/** The stored responses contract on PostgreSQL, on a schema of its own emptied for each test. */
@ExtendWith(TestDatabase.class)
class PostgresStoredResponsesTest extends StoredResponsesContract {
  @Override
  protected StoredResponses createStoredResponses() {
    return TestDatabase.open(getClass());
  }
}
