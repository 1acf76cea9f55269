package dev.pouch.domain.limit;

/**
 * One slot of a {@link SlotPool}, held until released. A shared implementation keeps it alive while
 * its holder's process lives, so a process that dies cannot hold it forever.
 */
public interface HeldSlot extends AutoCloseable {

  /** Gives the slot back; only the first call counts. */
  void release();

  @Override
  default void close() {
    release();
  }
}
