package dev.pouch.application.port.in;

import java.util.Objects;

/**
 * The result of creating a key: the only time its secret exists outside the client's hands.
 *
 * @param secret the full {@code pa-…} secret; never stored, never logged
 * @param view the new key
 */
public record CreatedKey(String secret, KeyView view) {
  public CreatedKey {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(view, "view");
  }

  @Override
  public String toString() {
    return "CreatedKey[" + view.key() + "]";
  }
}
