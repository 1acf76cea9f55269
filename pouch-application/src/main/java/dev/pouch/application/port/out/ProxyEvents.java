package dev.pouch.application.port.out;

import dev.pouch.domain.log.RequestRecord;

/**
 * An observer of the proxy's money flow and upstream calls, for metrics and traces. Every method
 * has a no-op default, so an embedder that wants nothing passes nothing ({@link #NONE} is used).
 *
 * <p>Calls happen on the request's own thread, inside the proxy's hot path: implementations must be
 * cheap, must not block and must not throw (a failure of the observer would fail the request). For
 * every {@link #reservationOpened} there is at most one {@link #reservationSettled}, and exactly
 * one unless the store failed to record the settlement (the reservation then stays counted until
 * the next start recovers it).
 */
public interface ProxyEvents {

  /** Observes nothing. */
  ProxyEvents NONE = new ProxyEvents() {};

  /**
   * A request's worst case was reserved on its key's budget.
   *
   * @param providerId the key's provider ({@code openai}, {@code mock}, …)
   * @param amountMicros the reserved amount
   */
  default void reservationOpened(String providerId, long amountMicros) {}

  /**
   * A reservation was settled (answer, refund, cut, client gone) and recorded by the ledger.
   *
   * @param providerId the key's provider
   * @param record the request-log row written with the settlement: tokens, {@code costMicros} (what
   *     was charged), status, and {@code pricedAs} (the price-table model, or {@code null})
   */
  default void reservationSettled(String providerId, RequestRecord record) {}

  /**
   * The provider answered: the whole answer for a plain request, the response head for a stream.
   * Not called when the provider threw.
   *
   * @param providerId the key's provider
   * @param streaming whether the answer is a stream
   * @param nanos time spent in the provider call
   */
  default void upstreamResponded(String providerId, boolean streaming, long nanos) {}

  /**
   * How long taking a request's reservation took (plans again after a lost race included); called
   * just before {@link #reservationOpened}.
   *
   * @param providerId the key's provider
   * @param nanos time spent reserving
   */
  default void reserveTook(String providerId, long nanos) {}

  /**
   * How long settling a request took (the charge decided and written with its request-log row);
   * called just after {@link #reservationSettled}.
   *
   * @param providerId the key's provider
   * @param record the request-log row written
   * @param nanos time spent settling
   */
  default void settleTook(String providerId, RequestRecord record, long nanos) {}
}
