package dev.pouch.application.proxy;

import dev.pouch.domain.chain.RequestObserver;
import dev.pouch.domain.chain.ReservationQuote;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.log.RequestRecord;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a request's {@link RequestObserver}s what happened to its reservation, keeping their
 * contract: a refusal by one observer releases those told before it, and a failing callback other
 * than {@code reserving} is logged, never allowed to disturb settlement.
 */
final class Observers {
  private static final Logger log = LoggerFactory.getLogger(Observers.class);

  private final List<RequestObserver> observers;
  private volatile int told;

  Observers(List<RequestObserver> observers) {
    this.observers = observers;
  }

  /**
   * Announces the quote, and returns the first refusal; if an observer refuses (or fails), the ones
   * already told hear {@code notReserved}.
   */
  Optional<Refusal> reserving(ReservationQuote quote) {
    for (RequestObserver observer : observers) {
      Optional<Refusal> refusal;
      try {
        refusal = observer.reserving(quote);
      } catch (RuntimeException bug) {
        notReserved();
        throw bug;
      }
      if (refusal.isPresent()) {
        notReserved();
        return refusal;
      }
      told++;
    }
    return Optional.empty();
  }

  /** No reservation was taken after all. */
  void notReserved() {
    for (int i = 0; i < told; i++) {
      RequestObserver observer = observers.get(i);
      quietly(() -> observer.notReserved());
    }
    told = 0;
  }

  /** The reservation settled. */
  void settled(RequestRecord record) {
    for (int i = 0; i < told; i++) {
      RequestObserver observer = observers.get(i);
      quietly(() -> observer.settled(record));
    }
  }

  private static void quietly(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException bug) {
      log.atError().setCause(bug).log("request observer failed");
    }
  }
}
