package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.testkit.KeyRepositoryContract;
import org.junit.jupiter.api.extension.ExtendWith;

/** The key repository contract on PostgreSQL, on a schema of its own emptied for each test. */
@ExtendWith(TestDatabase.class)
class PostgresKeyRepositoryTest extends KeyRepositoryContract {
  @Override
  protected KeyRepository createRepository() {
    return TestDatabase.open(getClass());
  }
}
