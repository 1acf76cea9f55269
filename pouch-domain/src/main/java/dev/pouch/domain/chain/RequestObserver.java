package dev.pouch.domain.chain;

import dev.pouch.domain.log.RequestRecord;

/**
 * Follows the money of one request, for middlewares whose limits count tokens or dollars rather
 * than requests (token rates, spend guards, budget alerts). A middleware registers one on the
 * {@link RequestContext} before it calls {@link Middleware.Chain#proceed}.
 *
 * <p>For each request an observer sees {@link #reserving} at most once, then exactly one of {@link
 * #notReserved} or {@link #settled}. Calls come from request threads (settlement may run on the
 * thread that ends a stream); implementations must be thread-safe and quick. Only {@link
 * #reserving} may throw.
 */
public interface RequestObserver {

  /**
   * The request's worst case is about to be reserved. Throw a {@link
   * dev.pouch.domain.error.PouchException} to refuse the request: nothing is reserved then.
   */
  default void reserving(ReservationQuote quote) {}

  /** The quote was announced, but no reservation was taken (the budget or an observer refused). */
  default void notReserved() {}

  /**
   * The reservation settled (answer, error, cut or disconnect); {@code record} holds the charge.
   */
  default void settled(RequestRecord record) {}
}
