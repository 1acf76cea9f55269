package dev.pouch.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One Pouch process per data folder: recovery at start settles every open reservation it finds, and
 * the store keeps budgets in memory as it commits them (ARCHITECTURE.md D17), so a second process
 * on the same folder would charge the first one's requests in full and read lagging budgets. An OS
 * file lock on {@code pouch.lock} turns that mistake into a refusal at start; the OS drops the lock
 * when the process dies, so a crash leaves nothing to clean up.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE_NAME = "pouch.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dataDir} for this process.
   *
   * @throws IllegalStateException when another process (or another server in this JVM) holds it
   */
  static DataDirLock acquire(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException sameJvm) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "another Pouch process is using the data folder "
              + dataDir.toAbsolutePath()
              + " (it holds "
              + FILE_NAME
              + "): stop it first, or give this one its own --data");
    }
    return new DataDirLock(channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel below releases it too
    }
    try {
      channel.close();
    } catch (IOException e) {
      // the process ends soon after; the OS drops the lock with it
    }
  }
}
