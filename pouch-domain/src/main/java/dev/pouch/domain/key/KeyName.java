package dev.pouch.domain.key;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.regex.Pattern;

/** The rule for a key's display name: 1–50 letters, digits, spaces, {@code -} or {@code _}. */
public final class KeyName {
  private static final Pattern VALID = Pattern.compile("[\\p{L}\\p{N} _\\-]{1,50}");

  private KeyName() {}

  /** Returns the name trimmed, or throws naming the {@code name} field. */
  public static String validate(String name) {
    if (name == null) {
      throw RequestRejectedException.invalidRequest("name", "name is required");
    }
    String trimmed = name.strip();
    if (!VALID.matcher(trimmed).matches()) {
      throw RequestRejectedException.invalidRequest(
          "name", "name must be 1-50 letters, digits, spaces, '-' or '_'");
    }
    return trimmed;
  }
}
