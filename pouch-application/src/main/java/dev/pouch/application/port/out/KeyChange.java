package dev.pouch.application.port.out;

import java.util.Objects;

/**
 * A committed change to one key, as told to the other instances that share the store.
 *
 * @param keyId the key that changed
 * @param effect what an instance that hears it must forget
 */
public record KeyChange(String keyId, Effect effect) {
  /** What a change makes stale on an instance. */
  public enum Effect {
    /**
     * The stored key changed but its plugins stay (renamed, renewed, suspended, budgets moved):
     * forget the cached key; its rate limiters keep their state (ARCHITECTURE D6).
     */
    RELOAD,
    /**
     * The key's plugins start afresh too (its policy edited, resumed, revoked): forget the cached
     * key and release its provider and middleware instances.
     */
    RESTART
  }

  public KeyChange {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(effect, "effect");
  }
}
