package dev.pouch.application.port.out;

import dev.pouch.domain.key.AppKey;
import java.util.List;
import java.util.Optional;

/** Stores app keys (never their secrets, only the hash). Implementations are thread-safe. */
public interface KeyRepository {

  /**
   * Stores a new key.
   *
   * @throws IllegalStateException if the id or the secret hash exists already
   */
  void insert(AppKey key);

  /**
   * Replaces a key if its stored version is still {@code expectedVersion} (optimistic locking).
   *
   * @return false when the key changed meanwhile or does not exist (or was deleted)
   */
  boolean update(AppKey key, long expectedVersion);

  /** A live (not deleted) key by id. */
  Optional<AppKey> findById(String id);

  /** A live (not deleted) key by the SHA-256 hex hash of its secret. */
  Optional<AppKey> findBySecretHash(String secretHash);

  /** All live keys, oldest first. */
  List<AppKey> list();

  /**
   * Deletes (revokes) a key. Its budget, reservations and request log stay, so in-flight requests
   * still settle and history stays reconcilable.
   *
   * @return false when no live key had that id
   */
  boolean delete(String id);
}
