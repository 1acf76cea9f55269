package dev.pouch.domain.chain;

import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.log.RequestRecord;
import java.util.Optional;

/**
 * Follows the money of one request, for middlewares whose limits count tokens or dollars rather
 * than requests (token rates, spend guards, budget alerts). A middleware registers one on the
 * {@link RequestContext} before it calls {@link Middleware.Chain#proceed}.
 *
 * <p>For each request an observer sees {@link #reserving} at most once, then exactly one of {@link
 * #notReserved} or {@link #settled}. Calls come from request threads (settlement may run on the
 * thread that ends a stream); implementations must be thread-safe and quick, and must not throw.
 */
public interface RequestObserver {

  /**
   * The request's worst case is about to be reserved. Return a refusal to refuse the request:
   * nothing is reserved then, and the client gets the refusal.
   */
  default Optional<Refusal> reserving(ReservationQuote quote) {
    return Optional.empty();
  }

  /** The quote was announced, but no reservation was taken (the budget or an observer refused). */
  default void notReserved() {}

  /**
   * The reservation settled (answer, error, cut or disconnect); {@code record} holds the charge.
   */
  default void settled(RequestRecord record) {}
}
