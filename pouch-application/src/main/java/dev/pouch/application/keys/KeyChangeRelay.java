package dev.pouch.application.keys;

import dev.pouch.application.port.out.KeyChange;
import dev.pouch.application.port.out.KeyChange.Effect;
import dev.pouch.application.port.out.KeyChanges;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a committed key change takes effect: on this instance at once (the verified key forgotten,
 * and with {@link Effect#RESTART} its plugin instances released), then on every other instance
 * sharing the store, through {@link KeyChanges}. It is also the listener of the other instances'
 * changes, applied here the same way.
 */
public final class KeyChangeRelay implements KeyChanges.Listener {
  private static final Logger log = LoggerFactory.getLogger(KeyChangeRelay.class);

  private final VerifiedKeyCache cache;
  private final Consumer<String> releasePlugins;
  private final Runnable releaseAllPlugins;
  private final KeyChanges changes;

  /**
   * @param releasePlugins releases one key's provider and middleware instances
   * @param releaseAllPlugins releases every key's
   */
  public KeyChangeRelay(
      VerifiedKeyCache cache,
      Consumer<String> releasePlugins,
      Runnable releaseAllPlugins,
      KeyChanges changes) {
    this.cache = cache;
    this.releasePlugins = releasePlugins;
    this.releaseAllPlugins = releaseAllPlugins;
    this.changes = changes;
  }

  /** This instance committed a change to the key: forget it here, then tell the others. */
  public void committed(String keyId, Effect effect) {
    apply(keyId, effect);
    try {
      changes.published(new KeyChange(keyId, effect));
    } catch (RuntimeException notTold) {
      // The port promises not to throw; the change is committed whatever happens here.
      log.atWarn()
          .addKeyValue("key_id", keyId)
          .addKeyValue("exception", notTold.getClass().getName())
          .log("key change not published to the other instances");
    }
  }

  /** Forgets the key here only: nothing was changed, the cached copy just proved stale. */
  public void stale(String keyId) {
    cache.invalidate(keyId);
  }

  @Override
  public void changed(KeyChange change) {
    apply(change.keyId(), change.effect());
    log.atDebug()
        .addKeyValue("key_id", change.keyId())
        .addKeyValue("effect", change.effect())
        .log("key changed on another instance");
  }

  @Override
  public void missedChanges() {
    cache.invalidateAll();
    releaseAllPlugins.run();
    log.atWarn().log("key changes may have been missed: every cached key and plugin forgotten");
  }

  private void apply(String keyId, Effect effect) {
    cache.invalidate(keyId);
    if (effect == Effect.RESTART) {
      releasePlugins.accept(keyId);
    }
  }
}
