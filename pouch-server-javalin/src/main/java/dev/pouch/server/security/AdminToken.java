package dev.pouch.server.security;

import dev.pouch.application.keys.KeySecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin token: only its SHA-256 hash is kept (in {@code admin-token.sha256} in the data
 * folder). At first start a token is generated and handed back once so it can be printed; {@code
 * POUCH_ADMIN_TOKEN} replaces it. {@link #rotate} replaces the stored hash; a running server sees
 * the new file at its next admin request (it compares the file's identity and modification time on
 * every check and re-reads it when they changed), so the old token stops working at once.
 */
public final class AdminToken {
  public static final String FILE_NAME = "admin-token.sha256";
  private static final String BEARER = "Bearer ";
  private static final Logger log = LoggerFactory.getLogger(AdminToken.class);

  /** The hash file, or {@code null} when the token came from the environment. */
  private final Path file;

  private volatile Snapshot current;

  /** A hash and the file state it was read from. */
  private record Snapshot(byte[] hash, Object fileKey, long modifiedNanos, long size) {}

  private AdminToken(Path file, Snapshot snapshot) {
    this.file = file;
    this.current = snapshot;
  }

  /** The outcome of loading: the token checker, and the new token if one was just generated. */
  public record Loaded(AdminToken token, String generatedToken) {}

  /** A token given in clear (by an embedding application); only its hash is kept. */
  public static AdminToken of(String token) {
    return new AdminToken(null, snapshot(KeySecrets.hash(token)));
  }

  public static Loaded load(Path dataDir, String fromEnvironment) throws IOException {
    if (fromEnvironment != null) {
      return new Loaded(new AdminToken(null, snapshot(KeySecrets.hash(fromEnvironment))), null);
    }
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      return new Loaded(new AdminToken(file, read(file)), null);
    }
    String token = newToken();
    Path written = MasterKey.createOwnerOnly(file);
    Files.writeString(written, KeySecrets.hash(token) + "\n", StandardOpenOption.WRITE);
    return new Loaded(new AdminToken(file, read(file)), token);
  }

  /**
   * Generates a new admin token, replaces the stored hash atomically and returns the token (the
   * only time it exists in clear). Works whether or not a server is running on {@code dataDir}.
   */
  public static String rotate(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    String token = newToken();
    Path temp = dataDir.resolve(FILE_NAME + ".new");
    Files.deleteIfExists(temp);
    MasterKey.createOwnerOnly(temp);
    Files.writeString(temp, KeySecrets.hash(token) + "\n", StandardOpenOption.WRITE);
    Files.move(
        temp,
        dataDir.resolve(FILE_NAME),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    return token;
  }

  private static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return "pt-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static Snapshot snapshot(String hexHash) {
    return new Snapshot(hexHash.getBytes(StandardCharsets.US_ASCII), null, 0, 0);
  }

  private static Snapshot read(Path file) throws IOException {
    BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
    String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new IOException(file + " does not hold a SHA-256 hex hash");
    }
    return new Snapshot(
        hex.getBytes(StandardCharsets.US_ASCII),
        before.fileKey(),
        before.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
            + before.lastModifiedTime().toInstant().getNano(),
        before.size());
  }

  /** The current hash, re-read when the file was replaced or changed since the last read. */
  private byte[] hash() {
    Snapshot snapshot = current;
    if (file == null) {
      return snapshot.hash();
    }
    try {
      BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
      long modified =
          now.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
              + now.lastModifiedTime().toInstant().getNano();
      if (Objects.equals(now.fileKey(), snapshot.fileKey())
          && modified == snapshot.modifiedNanos()
          && now.size() == snapshot.size()) {
        return snapshot.hash();
      }
      synchronized (this) {
        Snapshot fresh = read(file);
        current = fresh;
        log.atInfo().log("admin token file changed: the new token is in effect");
        return fresh.hash();
      }
    } catch (NoSuchFileException gone) {
      return snapshot.hash(); // mid-rotation or removed: keep the last known token
    } catch (IOException unreadable) {
      log.atWarn()
          .addKeyValue("file", file)
          .addKeyValue("reason", unreadable.getMessage())
          .log("cannot re-read the admin token file; keeping the last one");
      return snapshot.hash();
    }
  }

  /** Whether {@code authorization} ({@code Bearer …}) carries the admin token; constant time. */
  public boolean matches(String authorization) {
    if (!presentsToken(authorization)) {
      return false;
    }
    String candidate = candidate(authorization);
    byte[] candidateHash = KeySecrets.hash(candidate).getBytes(StandardCharsets.US_ASCII);
    // Hashes of equal length: the comparison time says nothing about the token.
    return MessageDigest.isEqual(hash(), candidateHash);
  }

  /**
   * Whether {@code authorization} offers a token at all: a {@code Bearer} value that is not blank.
   * A request without one is no guess of the admin token.
   */
  public static boolean presentsToken(String authorization) {
    return authorization != null
        && authorization.startsWith(BEARER)
        && !candidate(authorization).isEmpty();
  }

  private static String candidate(String authorization) {
    return authorization.substring(BEARER.length()).strip();
  }
}
