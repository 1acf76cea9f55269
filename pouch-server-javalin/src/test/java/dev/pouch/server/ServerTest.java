package dev.pouch.server;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Base of the end-to-end tests: a fresh server on a fresh data folder for every test. */
abstract class ServerTest {
  @TempDir Path data;
  TestPouch pouch;

  @BeforeEach
  final void startServer() {
    pouch = start(data);
  }

  /** How this test class's server starts; override for a clock or a body limit. */
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir);
  }

  @AfterEach
  final void stopServer() {
    pouch.close();
  }
}
