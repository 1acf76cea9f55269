package dev.pouch.application.port.out;

/**
 * Encrypts the values of {@code secret} plugin config fields (upstream API keys) before a key is
 * stored, and decrypts them only when the key's provider or middlewares are built. Key management
 * knows which fields are secret from the plugin schemas; the store only ever sees sealed text.
 *
 * <p>A sealed value is a self-describing string (for example {@code enc:v1:<key id>:<base64>}), so
 * values stored before sealing existed (plaintext) are recognised by {@link #isSealed} and still
 * open. Implementations are thread-safe, never log values, and never put a value in an exception
 * message.
 */
public interface SecretSealer {

  /**
   * Seals {@code plaintext}; two calls with the same plaintext give different results (a fresh
   * nonce each time).
   */
  String seal(String plaintext);

  /**
   * The plaintext of a stored value: a sealed value is decrypted, a plaintext value (stored before
   * sealing) is returned unchanged.
   *
   * @throws IllegalStateException when the value was sealed with a key this sealer does not hold,
   *     or fails authentication (tampered, or the wrong master key)
   */
  String open(String stored);

  /**
   * Whether {@code stored} is already in this sealer's sealed form, so a start-up migration has
   * nothing to do for it (legacy plaintext gives false).
   */
  boolean isSealed(String stored);

  /**
   * A sealer that keeps values as they are: for embedding and tests that do not need encryption at
   * rest. The Pouch server always uses an encrypting one.
   */
  static SecretSealer plaintext() {
    return PlaintextSealer.INSTANCE;
  }
}
