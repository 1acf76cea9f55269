package dev.pouch.application.port.out;

/**
 * Key changes between the instances that share one store: each instance caches verified keys and
 * their plugin instances, so a revoke, suspend or edit made on one must reach the others. An
 * implementation publishes a change only after it committed and delivers each change it hears to
 * each {@link Listener} subscribed (a core subscribes one when built); a change may be delivered
 * twice, never before the stored key shows it. One instance alone (SQLite, the in-memory store)
 * needs {@link #NONE}.
 */
public interface KeyChanges extends AutoCloseable {
  /** One instance alone: nobody to tell, nothing to hear. */
  KeyChanges NONE =
      new KeyChanges() {
        @Override
        public void published(KeyChange change) {
          // nobody else serves this store's keys
        }

        @Override
        public void subscribe(Listener listener) {
          // nothing will ever be heard
        }
      };

  /**
   * Tells the other instances about a change this one committed. Never throws: the change is made,
   * and an instance that misses it sees it when its cached key expires or its listener reconnects.
   */
  void published(KeyChange change);

  /**
   * Delivers the changes other instances publish to {@code listener} from now on, on a thread of
   * the implementation's.
   */
  void subscribe(Listener listener);

  /** Stops listening; the default does nothing. */
  @Override
  default void close() {}

  /** What hears the other instances' changes. Its methods return quickly and never throw. */
  interface Listener {
    /** Another instance committed {@code change}. */
    void changed(KeyChange change);

    /**
     * Changes may have been missed (the connection that hears them was lost and is back): forget
     * every cached key and plugin instance.
     */
    void missedChanges();
  }
}
