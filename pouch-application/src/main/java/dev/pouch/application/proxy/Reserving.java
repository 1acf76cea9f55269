package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.domain.budget.Affordability;
import dev.pouch.domain.budget.BudgetLayer;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import java.time.Clock;
import java.util.Optional;

/**
 * Stage 2, reserve: takes a plan's worst case from every layer with the ledger's guarded reserve
 * (the store decides, atomically, all layers or none; a refusal names the layer that refused), and
 * when a concurrent request took the headroom first, plans again on fresh numbers: once from an
 * exact count, then a few times for a clamped plan.
 */
final class Reserving {
  private final BudgetLedger ledger;
  private final Clock clock;
  private final PouchSettings settings;

  Reserving(BudgetLedger ledger, Clock clock, PouchSettings settings) {
    this.ledger = ledger;
    this.clock = clock;
    this.settings = settings;
  }

  /** A reservation taken, with the plan it pays for; or the refusal. */
  sealed interface Outcome {
    record Reserved(Reservation reservation, ReservationPlan plan) implements Outcome {}

    record Refused(Refusal refusal) implements Outcome {}
  }

  Outcome reserve(
      String requestId,
      String keyId,
      ReservationPlan first,
      Quoting quoting,
      BudgetSnapshot budget) {
    ReservationPlan plan = first;
    for (int attempt = 1; ; attempt++) {
      Reservation reservation =
          new Reservation(
              requestId,
              keyId,
              budget.teamId(),
              plan.amountMicros(),
              clock.instant(),
              budget.endUser());
      ReserveResult result = ledger.take(reservation);
      if (!(result instanceof ReserveResult.Refused refused)) {
        return new Outcome.Reserved(reservation, plan);
      }
      boolean wasExact = quoting.exact();
      if (wasExact && attempt >= settings.reserveAttempts()) {
        return new Outcome.Refused(noRoom(budget, refused.layer()));
      }
      Optional<Affordability> next = quoting.again(budget.refresh(), plan);
      if (next.isEmpty()) {
        return new Outcome.Refused(noRoom(budget, refused.layer()));
      }
      if (next.get() instanceof Affordability.Unaffordable unaffordable) {
        return new Outcome.Refused(budget.named(unaffordable.refusal()));
      }
      plan = ((Affordability.Affordable) next.get()).plan();
      if (!wasExact) {
        attempt = 0; // the exact count starts the retries afresh
      }
    }
  }

  /** The refusal of a request whose worst case the named layer cannot cover. */
  private static Refusal noRoom(BudgetSnapshot budget, BudgetLayer layer) {
    return Refusal.of(
        ErrorCode.BUDGET_EXCEEDED,
        budget.describe(layer) + " cannot cover the request in this period.");
  }
}
