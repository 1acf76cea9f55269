package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.KeyChange;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The NOTIFY channel of one schema's key changes and what its messages say. Channels are names per
 * database, not per schema, so the schema is in the name: two stores on two schemas of one database
 * never hear each other. A message is {@code "<instance> <key id> <reload|restart>"}; the instance
 * is a random id of the store that sent it, so that a store skips its own.
 *
 * @param name the channel, at most 63 bytes (PostgreSQL's identifier length)
 * @param instance this store's id in messages
 */
record KeyChangeChannel(String name, String instance) {
  private static final String PREFIX = "pouch_key_changes_";
  private static final int MAX_NAME = 63;

  /** The channel of {@code schema} (a lower-case SQL name), for a store with a new instance id. */
  static KeyChangeChannel forSchema(String schema) {
    String name = PREFIX + schema;
    if (name.length() > MAX_NAME) {
      // long schema names keep a readable head and a hash of the whole, still one per schema
      name = name.substring(0, MAX_NAME - 9) + "_" + String.format("%08x", schema.hashCode());
    }
    byte[] id = new byte[6];
    new SecureRandom().nextBytes(id);
    return new KeyChangeChannel(name, HexFormat.of().formatHex(id));
  }

  /** {@code LISTEN} on this channel, the name quoted (it is a lower-case SQL name already). */
  String listenStatement() {
    return "LISTEN \"" + name + "\"";
  }

  /**
   * Sends {@code change} on {@code handle}: inside a transaction it is delivered when that commits,
   * and never if it rolls back.
   */
  void send(Handle handle, KeyChange change) {
    handle
        .createQuery("SELECT pg_notify(?, ?)")
        .bind(0, name)
        .bind(1, message(change))
        .mapTo(String.class)
        .findOne();
  }

  /** The message of a change this store made. */
  String message(KeyChange change) {
    return instance + " " + change.keyId() + " " + change.effect().name().toLowerCase(Locale.ROOT);
  }

  /** The change another store sent; empty for this store's own and for what is not a change. */
  Optional<KeyChange> otherInstancesChange(String message) {
    String[] parts = message.split(" ", -1);
    if (parts.length != 3 || parts[0].equals(instance) || parts[1].isEmpty()) {
      return Optional.empty();
    }
    for (KeyChange.Effect effect : KeyChange.Effect.values()) {
      if (effect.name().toLowerCase(Locale.ROOT).equals(parts[2])) {
        return Optional.of(new KeyChange(parts[1], effect));
      }
    }
    return Optional.empty();
  }
}
