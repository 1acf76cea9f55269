package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock within one JVM (two embedded servers); DataDirLockIT covers two processes. */
class DataDirLockTest {
  @TempDir Path data;

  @Test
  void aFolderIsLockedOnceUntilItsLockIsClosed() throws Exception {
    DataDirLock first = DataDirLock.acquire(data);

    assertThatThrownBy(() -> DataDirLock.acquire(data))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another Pouch process is using the data folder");
    assertThat(Files.exists(data.resolve(DataDirLock.FILE_NAME))).isTrue();

    first.close();
    try (DataDirLock again = DataDirLock.acquire(data)) {
      assertThat(again).isNotNull();
    }
  }
}
