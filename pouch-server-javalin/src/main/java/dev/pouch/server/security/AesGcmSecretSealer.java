package dev.pouch.server.security;

import dev.pouch.application.port.out.SecretSealer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@link SecretSealer} with AES-256-GCM from the JDK: {@code enc:v1:<key id>:<base64(nonce ‖
 * ciphertext ‖ tag)>}, a random 12-byte nonce per value, a 128-bit tag, and {@code enc:v1:<key id>}
 * as associated data. The key id is the first 8 hex digits of SHA-256 over a fixed label and the
 * master key: it names the key without revealing it, so a value sealed under another master key
 * fails with a clear message instead of as a bad tag.
 */
public final class AesGcmSecretSealer implements SecretSealer {
  public static final String PREFIX = "enc:v1:";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final String keyId;
  private final SecureRandom random;

  public AesGcmSecretSealer(byte[] masterKey, SecureRandom random) {
    Objects.requireNonNull(masterKey, "masterKey");
    if (masterKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("the master key must be 32 bytes (AES-256)");
    }
    this.key = new SecretKeySpec(masterKey.clone(), "AES");
    this.keyId = keyId(masterKey);
    this.random = random;
  }

  /** The id stored with every value this sealer seals. */
  public String keyId() {
    return keyId;
  }

  static String keyId(byte[] masterKey) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("pouch master key id\n".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(sha.digest(masterKey), 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  @Override
  public String seal(String plaintext) {
    Objects.requireNonNull(plaintext, "plaintext");
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    String header = PREFIX + keyId;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(header.getBytes(StandardCharsets.US_ASCII));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
      return header + ":" + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }

  @Override
  public String open(String stored) {
    if (!stored.startsWith(PREFIX)) {
      return stored; // stored before encryption at rest: sealed by the start-up migration
    }
    int colon = stored.indexOf(':', PREFIX.length());
    if (colon < 0) {
      throw new IllegalStateException("a stored secret is malformed (no key id)");
    }
    String storedKeyId = stored.substring(PREFIX.length(), colon);
    if (!storedKeyId.equals(keyId)) {
      throw new IllegalStateException(
          "a stored secret was sealed with master key id "
              + storedKeyId
              + " but the current master key has id "
              + keyId
              + ": start Pouch with the master key of this data folder"
              + " (POUCH_MASTER_KEY or DATA/"
              + MasterKey.FILE_NAME
              + ")");
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(stored.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("a stored secret is malformed (not base64)");
    }
    if (data.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new IllegalStateException("a stored secret is malformed (too short)");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
      cipher.updateAAD(stored.substring(0, colon).getBytes(StandardCharsets.US_ASCII));
      byte[] plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException tampered) {
      throw new IllegalStateException(
          "a stored secret failed authentication: it was altered, or sealed with another master"
              + " key of the same id");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }

  @Override
  public boolean isSealed(String stored) {
    return stored.startsWith(PREFIX + keyId + ":");
  }

  @Override
  public String toString() {
    return "AesGcmSecretSealer[kid=" + keyId + "]";
  }
}
