package dev.pouch.domain.budget;

import java.time.Instant;
import java.util.Objects;

/**
 * A worst-case amount taken from every budget a request pays from, before it goes upstream.
 *
 * @param id unique id (the request id); reserve and settle are idempotent by it
 * @param keyId the key whose budgets pay
 * @param teamId the key's team, whose budgets pay too, or {@code null} when the key has none
 * @param amountMicros the worst case, taken from each of those budgets
 * @param createdAt when it was taken
 */
public record Reservation(
    String id, String keyId, String teamId, long amountMicros, Instant createdAt) {
  public Reservation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (amountMicros < 0) {
      throw new IllegalArgumentException("reservation amount cannot be negative");
    }
  }

  /** A reservation on a key without a team. */
  public Reservation(String id, String keyId, long amountMicros, Instant createdAt) {
    this(id, keyId, null, amountMicros, createdAt);
  }
}
