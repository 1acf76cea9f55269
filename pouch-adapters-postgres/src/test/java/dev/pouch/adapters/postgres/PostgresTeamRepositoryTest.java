package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.testkit.TeamRepositoryContract;
import org.junit.jupiter.api.extension.ExtendWith;

/** The team repository contract on PostgreSQL, on a schema of its own emptied for each test. */
@ExtendWith(TestDatabase.class)
class PostgresTeamRepositoryTest extends TeamRepositoryContract {
  @Override
  protected TeamRepository createRepository() {
    return TestDatabase.open(getClass());
  }
}
