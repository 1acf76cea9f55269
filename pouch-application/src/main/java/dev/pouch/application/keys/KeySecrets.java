package dev.pouch.application.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Generates app-key secrets and ids, and hashes secrets. Secrets exist only in memory. */
public final class KeySecrets {
  /** Every app-key secret starts with this. */
  public static final String SECRET_PREFIX = "pa-";

  /** Characters of a secret kept as the visible prefix. */
  static final int VISIBLE_PREFIX_LENGTH = 10;

  private static final int SECRET_BYTES = 32;
  private final SecureRandom random;

  public KeySecrets(SecureRandom random) {
    this.random = random;
  }

  /** {@code pa-} followed by 43 URL-safe characters (256 random bits). */
  public String newSecret() {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** A key id: {@code key_} and 20 hex characters. */
  public String newKeyId() {
    byte[] bytes = new byte[10];
    random.nextBytes(bytes);
    return "key_" + HexFormat.of().formatHex(bytes);
  }

  /** A team id: {@code team_} and 20 hex characters (never a key's id: budgets share owner ids). */
  public String newTeamId() {
    byte[] bytes = new byte[10];
    random.nextBytes(bytes);
    return "team_" + HexFormat.of().formatHex(bytes);
  }

  /** Lower-case hex SHA-256 of the secret: what the store keeps and looks up. */
  public static String hash(String secret) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-256", impossible);
    }
  }

  /** The part of a secret that may be shown again (in lists and logs). */
  public static String visiblePrefix(String secret) {
    return secret.substring(0, Math.min(VISIBLE_PREFIX_LENGTH, secret.length()));
  }
}
