package dev.pouch.application.port.out;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.error.InternalException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The money: one budget row per key and its reservations. This is the part that must never be
 * wrong, so every rule below is enforced by the store's own atomic statements, never by reading and
 * then writing in application code; the rules then hold across threads and across processes sharing
 * a store.
 *
 * <p>Every mutating method is durable when it returns, with one allowed exception: {@link #settle}
 * must be visible and survive a crash of the process on return, but may reach the disk with the
 * next durable write, so that a power loss can undo only the latest settlements. That is safe: an
 * undone settlement leaves its reservation counted, and {@link #recoverOpenReservations} charges it
 * in full. A reservation never may: the upstream call follows it.
 */
public interface BudgetLedger {

  /** Creates a key's budget row with nothing spent or reserved. Idempotent for an existing row. */
  void open(String keyId, long limitMicros, long resetPeriodSeconds, Instant periodStart);

  /** The key's budget, or empty when it has none. */
  Optional<Budget> find(String keyId);

  /**
   * The key's budget, which every key has (it is created before the key).
   *
   * @throws InternalException when the row is missing: the store is damaged
   */
  default Budget require(String keyId) {
    return find(keyId)
        .orElseThrow(() -> new InternalException("key " + keyId + " has no budget row", null));
  }

  /** Every budget by key id. */
  Map<String, Budget> findAll();

  /**
   * Takes a reservation atomically: {@code reserved += amount} only where {@code spent + reserved +
   * amount <= limit} (or the limit is 0), plus a durable reservation row, in one transaction.
   * Idempotent by reservation id: reserving an id that exists returns true without taking more.
   *
   * @return true when reserved; false when the budget cannot cover it or the key has no budget
   */
  boolean reserve(Reservation reservation);

  /**
   * Settles a reservation exactly once, in one transaction: marks it settled (only if still open),
   * {@code reserved -= amount}, {@code spent += actual}, and appends the request-log row.
   *
   * @return true when this call settled it; false when it was already settled (nothing changes)
   */
  boolean settle(Settlement settlement);

  /**
   * Changes a key's limit and reset period. Spend and reservations stay: lowering the limit below
   * the spend only blocks new reservations.
   */
  void configure(String keyId, long limitMicros, long resetPeriodSeconds);

  /**
   * Starts a new period if the current one still began at {@code expectedStart} (so concurrent
   * resets happen once): records the closed period's spend in history, sets spent to 0 and the
   * start to {@code newStart}, and leaves {@code reserved} alone (in-flight requests settle into
   * the new period).
   *
   * @return true when this call reset the period
   */
  boolean startPeriod(String keyId, Instant expectedStart, Instant newStart);

  /**
   * Settles every open reservation at its full amount with basis {@code RECOVERED}: after a crash
   * the upstream may have served them, so over-count rather than under-count.
   *
   * @return how many reservations were recovered
   */
  int recoverOpenReservations(Instant now);
}
