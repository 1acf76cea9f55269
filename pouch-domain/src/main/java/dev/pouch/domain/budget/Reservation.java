package dev.pouch.domain.budget;

import java.time.Instant;
import java.util.Objects;

/**
 * A worst-case amount taken from a key's budget before a request goes upstream.
 *
 * @param id unique id (the request id); reserve and settle are idempotent by it
 * @param keyId the key whose budget pays
 * @param amountMicros the worst case
 * @param createdAt when it was taken
 */
public record Reservation(String id, String keyId, long amountMicros, Instant createdAt) {
  public Reservation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (amountMicros < 0) {
      throw new IllegalArgumentException("reservation amount cannot be negative");
    }
  }
}
