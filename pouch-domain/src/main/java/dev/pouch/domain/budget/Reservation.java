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
 * @param endUser the end user the request names, whose budgets pay too when it has terms (created
 *     on first use), or {@code null}
 */
public record Reservation(
    String id, String keyId, String teamId, long amountMicros, Instant createdAt, EndUser endUser) {
  public Reservation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (amountMicros < 0) {
      throw new IllegalArgumentException("reservation amount cannot be negative");
    }
    if (endUser != null && !endUser.keyId().equals(keyId)) {
      throw new IllegalArgumentException("the end user belongs to another key");
    }
  }

  /** A reservation naming no end user. */
  public Reservation(String id, String keyId, String teamId, long amountMicros, Instant createdAt) {
    this(id, keyId, teamId, amountMicros, createdAt, null);
  }

  /** The end user's owner id when its budgets pay, else {@code null}. */
  public String endUserOwnerId() {
    return endUser != null && endUser.hasBudgets() ? endUser.ownerId() : null;
  }

  /** The end user's id, or {@code null} when the request names none. */
  public String endUserId() {
    return endUser == null ? null : endUser.id();
  }

  /** A reservation on a key without a team. */
  public Reservation(String id, String keyId, long amountMicros, Instant createdAt) {
    this(id, keyId, null, amountMicros, createdAt);
  }
}
