package dev.pouch.adapters.sqlite;

import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.testkit.StoredResponsesContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The stored responses contract on a SQLite file. */
class SqliteStoredResponsesTest extends StoredResponsesContract {
  @TempDir Path dir;

  @Override
  protected StoredResponses createStoredResponses() {
    return Fixtures.open(dir);
  }
}
