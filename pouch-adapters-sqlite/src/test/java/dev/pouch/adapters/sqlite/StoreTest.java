package dev.pouch.adapters.sqlite;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh store in its own file for every test. */
abstract class StoreTest {
  @TempDir Path dir;
  SqliteStore store;

  @BeforeEach
  void openStore() {
    store = Fixtures.open(dir);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }
}
