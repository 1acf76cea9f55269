package dev.pouch.application.port.out;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.error.InternalException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The money: the budgets of keys, teams and end users, and the reservations taken from them. An
 * owner (a key, a team, or an end user of a key, by id; the ids never collide: an end user's is
 * {@link EndUser#ownerId()}, the key's id, '/', its own) has an ordered list of budgets, each with
 * its own limit, period and spend; a key's first budget (position 0) is "the key's budget". A
 * request pays from every budget of its key, of the key's team and of the end user it names: the
 * layers. An end user's budgets are created by the first reservation that names it, on the key's
 * end-user terms the reservation carries; afterwards they are budgets like any other (settled,
 * reset per budget, recovered). This is the part that must never be wrong, so every rule below is
 * enforced by the store's own atomic statements, never by reading and then writing in application
 * code; the rules then hold across threads and across processes sharing a store.
 *
 * <p>Every mutating method is durable when it returns, with one allowed exception: {@link #settle}
 * must be visible and survive a crash of the process on return, but may reach the disk with the
 * next durable write, so that a power loss can undo only the latest settlements. That is safe: an
 * undone settlement leaves its reservation counted, and {@link #recoverOpenReservations} charges it
 * in full. A reservation never may, the upstream call follows it, unless the operator chose {@link
 * ReservationSync#LATER} for the store: then {@link #take} too must be committed and survive a
 * crash of the process on return, and may reach the disk with the next durable write.
 */
public interface BudgetLedger {

  /**
   * Creates an owner's budgets, in order, with nothing spent or reserved and their periods starting
   * at {@code periodStart}. Does nothing for an owner that has budgets.
   */
  void open(String ownerId, List<BudgetTerms> budgets, Instant periodStart);

  /** Creates a key's one budget: {@link #open(String, List, Instant)} with one element. */
  default void open(String keyId, long limitMicros, long resetPeriodSeconds, Instant periodStart) {
    open(keyId, List.of(new BudgetTerms(limitMicros, resetPeriodSeconds)), periodStart);
  }

  /** An owner's budgets in order; empty when it has none. */
  List<Budget> budgets(String ownerId);

  /** The owner's first budget, or empty when it has none. */
  default Optional<Budget> find(String ownerId) {
    List<Budget> budgets = budgets(ownerId);
    return budgets.isEmpty() ? Optional.empty() : Optional.of(budgets.get(0));
  }

  /**
   * The key's first budget, which every key has (it is created before the key).
   *
   * @throws InternalException when the row is missing: the store is damaged
   */
  default Budget require(String keyId) {
    return find(keyId)
        .orElseThrow(() -> new InternalException("key " + keyId + " has no budget row", null));
  }

  /** Every key's and team's budgets, in order, by owner id (end users: {@link #endUsers}). */
  Map<String, List<Budget>> findAllBudgets();

  /**
   * A page of a key's end users that have budgets, by end-user id in ascending (binary) order.
   *
   * @param after the last end-user id of the previous page, or {@code null} for the first page
   * @param limit at most this many end users
   * @return each end user's budgets in order, by end-user id (not owner id), in that order
   */
  Map<String, List<Budget>> endUsers(String keyId, String after, int limit);

  /**
   * Applies a key's new end-user terms to every end user of the key that has budgets, by position,
   * as {@link #configure} does for one owner (a kept position keeps its spend, reservations and
   * period start; a new one starts empty at {@code periodStart}; positions beyond are dropped); an
   * empty list drops every end user's budgets of the key.
   */
  void configureEndUsers(String keyId, List<BudgetTerms> budgets, Instant periodStart);

  /** Every owner's first budget by owner id. */
  default Map<String, Budget> findAll() {
    Map<String, Budget> first = new LinkedHashMap<>();
    findAllBudgets().forEach((owner, budgets) -> first.put(owner, budgets.get(0)));
    return first;
  }

  /**
   * Takes a reservation atomically from every layer, or from none: {@code reserved += amount} on
   * each budget of the key, of its team and of its end user (when {@link Reservation#endUser()} has
   * terms), only where every one of them has {@code spent + reserved + amount <= limit} (or a limit
   * of 0), plus a durable reservation row that remembers which budgets it took from, in one
   * transaction. An end user without budgets gets them in that same transaction, one per term in
   * order, with nothing spent and their periods starting at the reservation's {@code createdAt};
   * concurrent first reservations of one end user create them once; a refusal leaves them
   * uncreated. An end user that has budgets keeps them as they are (its terms change only through
   * {@link #configureEndUsers}). Idempotent by reservation id: reserving an id that exists reports
   * it reserved without taking more. A reservation without an end user, or whose end user has no
   * terms, costs the store no more work than before end users existed.
   *
   * @return reserved, or refused naming the first layer that cannot cover it (the key's budgets in
   *     order, then the team's, then the end user's); a key without budgets is refused at its
   *     position 0
   */
  ReserveResult take(Reservation reservation);

  /** {@link #take}, reporting only whether it reserved. */
  default boolean reserve(Reservation reservation) {
    return take(reservation).reserved();
  }

  /**
   * Settles a reservation exactly once, in one transaction: marks it settled (only if still open),
   * and on every budget it took from that still exists {@code reserved -= amount} and {@code spent
   * += actual}, and appends the request-log row. A budget added to an owner after the reservation
   * is not touched.
   *
   * @return true when this call settled it; false when it was already settled (nothing changes)
   */
  boolean settle(Settlement settlement);

  /**
   * Replaces an owner's budgets by position: a budget at a position that stays keeps its spend,
   * reservations and period start and takes the new limit and period (lowering the limit below the
   * spend only blocks new reservations); a new position starts empty at {@code periodStart};
   * positions beyond the new list are dropped (their open reservations settle into nothing there).
   *
   * @throws IllegalStateException when the owner has no budgets
   */
  void configure(String ownerId, List<BudgetTerms> budgets, Instant periodStart);

  /** Drops all of an owner's budgets (a team that is deleted). Does nothing when it has none. */
  void drop(String ownerId);

  /**
   * Starts a new period of the owner's {@code position}-th budget if its current one still began at
   * {@code expectedStart} (so concurrent resets happen once): records the closed period's spend in
   * history, sets spent to 0 and the start to {@code newStart}, and leaves {@code reserved} and
   * every other budget alone (in-flight requests settle into the new period).
   *
   * @return true when this call reset the period
   */
  boolean startPeriod(String ownerId, int position, Instant expectedStart, Instant newStart);

  /** {@link #startPeriod(String, int, Instant, Instant)} of the owner's first budget. */
  default boolean startPeriod(String ownerId, Instant expectedStart, Instant newStart) {
    return startPeriod(ownerId, 0, expectedStart, newStart);
  }

  /**
   * Settles every open reservation that no other running instance owns at its full amount with
   * basis {@code RECOVERED}, charging every budget it took from: after a crash the upstream may
   * have served them, so over-count rather than under-count. A single-process store recovers them
   * all; a store shared by instances leaves those of instances that still renew their lease.
   *
   * @return how many reservations were recovered
   */
  int recoverOpenReservations(Instant now);
}
