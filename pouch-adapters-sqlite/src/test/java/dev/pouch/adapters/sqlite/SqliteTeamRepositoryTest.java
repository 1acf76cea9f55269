package dev.pouch.adapters.sqlite;

import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.testkit.TeamRepositoryContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store keeps the {@link TeamRepository} contract. */
class SqliteTeamRepositoryTest extends TeamRepositoryContract {
  @TempDir Path dir;

  @Override
  protected TeamRepository createRepository() {
    return Fixtures.open(dir);
  }
}
