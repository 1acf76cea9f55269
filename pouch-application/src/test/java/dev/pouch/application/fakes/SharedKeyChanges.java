package dev.pouch.application.fakes;

import dev.pouch.application.port.out.KeyChange;
import dev.pouch.application.port.out.KeyChanges;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Key changes between instances in one JVM, as a database or broker would carry them: each {@link
 * #instance()} hears what the others publish (never its own), synchronously; {@link #lose} drops a
 * change on its way, and {@link #reconnect} tells every listener that changes may have been missed.
 */
public final class SharedKeyChanges {
  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  private volatile boolean losing;

  /** The end of one more instance. */
  public KeyChanges instance() {
    Instance instance = new Instance();
    instances.add(instance);
    return instance;
  }

  /** Whether changes published from now on are lost (a connection down). */
  public void lose(boolean value) {
    losing = value;
  }

  /** The connection is back: every listener hears that it may have missed changes. */
  public void reconnect() {
    losing = false;
    instances.forEach(instance -> instance.listeners.forEach(KeyChanges.Listener::missedChanges));
  }

  private final class Instance implements KeyChanges {
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void published(KeyChange change) {
      if (losing) {
        return;
      }
      for (Instance other : instances) {
        if (other != this) {
          other.listeners.forEach(listener -> listener.changed(change));
        }
      }
    }

    @Override
    public void subscribe(Listener listener) {
      listeners.add(listener);
    }
  }
}
