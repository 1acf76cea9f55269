package dev.pouch.server;

import dev.pouch.application.keys.KeySecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin token: only its SHA-256 hash is kept (in {@code admin-token.sha256} in the data
 * folder). At first start a token is generated and handed back once so it can be printed; {@code
 * POUCH_ADMIN_TOKEN} replaces it.
 */
final class AdminToken {
  static final String FILE_NAME = "admin-token.sha256";

  private final byte[] hash;

  private AdminToken(String hexHash) {
    this.hash = hexHash.getBytes(StandardCharsets.US_ASCII);
  }

  /** The outcome of loading: the token checker, and the new token if one was just generated. */
  record Loaded(AdminToken token, String generatedToken) {}

  /** A token given in clear (by an embedding application); only its hash is kept. */
  static AdminToken of(String token) {
    return new AdminToken(KeySecrets.hash(token));
  }

  static Loaded load(Path dataDir, String fromEnvironment) throws IOException {
    if (fromEnvironment != null) {
      return new Loaded(new AdminToken(KeySecrets.hash(fromEnvironment)), null);
    }
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      return new Loaded(new AdminToken(Files.readString(file).strip()), null);
    }
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String token = "pt-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Files.writeString(
        file,
        KeySecrets.hash(token) + "\n",
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the folder's permissions apply.
    }
    return new Loaded(new AdminToken(KeySecrets.hash(token)), token);
  }

  /** Whether {@code authorization} ({@code Bearer …}) carries the admin token; constant time. */
  boolean matches(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    String candidate = authorization.substring("Bearer ".length()).strip();
    byte[] candidateHash = KeySecrets.hash(candidate).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(hash, candidateHash);
  }
}
