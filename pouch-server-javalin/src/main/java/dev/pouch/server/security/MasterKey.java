package dev.pouch.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The master key that seals secret config values: {@code POUCH_MASTER_KEY} (base64 of 32 bytes)
 * when set, else {@code master.key} in the data folder, generated at first start with owner-only
 * permissions ({@code rw-------}).
 */
public final class MasterKey {
  public static final String FILE_NAME = "master.key";
  public static final String ENV = "POUCH_MASTER_KEY";

  private MasterKey() {}

  /**
   * The 32 key bytes.
   *
   * @throws IllegalArgumentException when the environment value or the file is not base64 of 32
   *     bytes (the message never contains the value)
   */
  public static byte[] load(Path dataDir, String fromEnvironment, SecureRandom random)
      throws IOException {
    if (fromEnvironment != null) {
      return decode(fromEnvironment, ENV);
    }
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      return decode(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
    }
    byte[] key = new byte[32];
    random.nextBytes(key);
    try {
      Files.writeString(
          createOwnerOnly(file),
          Base64.getEncoder().encodeToString(key) + "\n",
          StandardCharsets.US_ASCII,
          StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (FileAlreadyExistsException raced) {
      return decode(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
    }
    return key;
  }

  /** Creates an empty file readable and writable by its owner only (on POSIX file systems). */
  static Path createOwnerOnly(Path file) throws IOException {
    try {
      Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
      FileAttribute<Set<PosixFilePermission>> attribute =
          PosixFilePermissions.asFileAttribute(ownerOnly);
      return Files.createFile(file, attribute);
    } catch (UnsupportedOperationException notPosix) {
      return Files.createFile(file); // Windows: the folder's permissions apply
    }
  }

  private static byte[] decode(String text, String source) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text.strip());
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException(source + " must hold a base64-encoded 32-byte key");
    }
    if (key.length != 32) {
      throw new IllegalArgumentException(
          source + " must hold a base64-encoded 32-byte key, got " + key.length + " bytes");
    }
    return key;
  }
}
