package dev.pouch.domain.budget;

import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.Objects;

/**
 * The final word on a reservation: what the request actually cost, and its request-log row, written
 * in the same transaction.
 *
 * @param reservationId the reservation being settled
 * @param actualMicros the charge (may exceed the reservation: then it is charged and the overrun
 *     recorded, never under-counted)
 * @param basis how the charge was determined
 * @param settledAt when
 * @param record the request-log row, whose request id is the reservation's: the log row is then the
 *     lasting trace of a settled reservation, by which a store keeps reserving an id idempotent
 */
public record Settlement(
    String reservationId,
    long actualMicros,
    SettlementBasis basis,
    Instant settledAt,
    RequestRecord record) {
  public Settlement {
    Objects.requireNonNull(reservationId, "reservationId");
    Objects.requireNonNull(basis, "basis");
    Objects.requireNonNull(settledAt, "settledAt");
    Objects.requireNonNull(record, "record");
    if (!record.requestId().equals(reservationId)) {
      throw new IllegalArgumentException(
          "the log row of reservation " + reservationId + " names request " + record.requestId());
    }
    if (actualMicros < 0) {
      throw new IllegalArgumentException("a charge cannot be negative");
    }
  }
}
