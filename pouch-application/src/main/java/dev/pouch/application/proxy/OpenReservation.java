package dev.pouch.application.proxy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.provider.ModelInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reservation that has been taken and must be settled exactly once, whichever path ends the
 * request (answer, upstream error, cut, client disconnect). The ledger is idempotent too; the flag
 * here only spares it a second write.
 */
final class OpenReservation {
  private static final Logger log = LoggerFactory.getLogger(OpenReservation.class);

  private final BudgetLedger ledger;
  private final Clock clock;
  private final Reservation reservation;
  private final ReservationPlan plan;
  private final ModelInfo pricing;
  private final String model;
  private final boolean streamed;
  private final Instant receivedAt;
  private final Observers observers;
  private final ProxyEvents events;
  private final String providerId;
  private final AtomicBoolean settled = new AtomicBoolean();

  OpenReservation(
      BudgetLedger ledger,
      Clock clock,
      Reservation reservation,
      ReservationPlan plan,
      ModelInfo pricing,
      String model,
      boolean streamed,
      Instant receivedAt,
      Observers observers,
      ProxyEvents events,
      String providerId) {
    this.ledger = ledger;
    this.clock = clock;
    this.reservation = reservation;
    this.plan = plan;
    this.pricing = pricing;
    this.model = model;
    this.streamed = streamed;
    this.receivedAt = receivedAt;
    this.observers = observers;
    this.events = events;
    this.providerId = providerId;
  }

  String providerId() {
    return providerId;
  }

  long outputCap() {
    return plan.outputCap();
  }

  /** Settles after the answer ended normally: the usage decides, unknown usage pays in full. */
  void settleCompleted(Usage usage, int status) {
    SettlementBasis basis =
        switch (usage.source()) {
          case REPORTED -> SettlementBasis.USAGE_REPORTED;
          case COUNTED -> SettlementBasis.COUNTED;
          case UNKNOWN -> SettlementBasis.FULL_RESERVATION;
        };
    settle(usage, status, basis, null);
  }

  /**
   * Settles an answer that ended early (upstream broke off, client left). Only usage the upstream
   * itself reported is trusted; a count of what arrived may miss tokens the upstream produced after
   * it, so then the full reservation is charged.
   */
  void settleInterrupted(Usage usage, int status, String errorCode) {
    SettlementBasis basis =
        usage.source() == UsageSource.REPORTED
            ? SettlementBasis.USAGE_REPORTED
            : SettlementBasis.FULL_RESERVATION;
    settle(usage, status, basis, errorCode);
  }

  /**
   * Settles a stream cut at the cap. Usage the upstream reported is exact; otherwise the upstream
   * may have produced more than arrived before the cut took effect, so the full reservation (the
   * cap plus the margin) is charged: never under-counted, and never above the budget.
   */
  void settleCapped(Usage usage, int status) {
    settle(usage, status, SettlementBasis.CAPPED, null);
  }

  /** Refunds: nothing was served. */
  void refund(int status, String errorCode) {
    settle(Usage.UNKNOWN, status, SettlementBasis.REFUNDED, errorCode);
  }

  /** The price of metered usage, at the tier of its prompt; free when the model has no price. */
  private long cost(Usage usage) {
    return pricing == null
        ? 0
        : pricing
            .priceFor(usage.promptTokens())
            .cost(usage.promptTokens(), usage.cachedPromptTokens(), usage.completionTokens());
  }

  private void settle(Usage usage, int status, SettlementBasis basis, String errorCode) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    long reserved = reservation.amountMicros();
    long actual =
        switch (basis) {
          case REFUNDED -> 0;
          case FULL_RESERVATION, RECOVERED -> reserved;
          case CAPPED -> usage.source() == UsageSource.REPORTED ? cost(usage) : reserved;
          case USAGE_REPORTED, COUNTED -> cost(usage);
        };
    long overrun = Math.max(0, actual - reserved);
    Instant now = clock.instant();
    boolean known = usage.isKnown();
    // Unknown usage is logged at the prompt estimate, except for a refund: nothing was billed.
    long promptTokens =
        known ? usage.promptTokens() : basis == SettlementBasis.REFUNDED ? 0 : plan.promptTokens();
    RequestRecord record =
        new RequestRecord(
            reservation.id(),
            reservation.keyId(),
            model,
            receivedAt,
            status,
            streamed,
            promptTokens,
            known ? usage.cachedPromptTokens() : 0,
            known ? usage.completionTokens() : 0,
            reserved,
            actual,
            basis,
            overrun,
            Duration.between(receivedAt, now).toMillis(),
            errorCode,
            pricing == null ? null : pricing.pricedAs());
    if (overrun > 0) {
      log.atWarn()
          .addKeyValue("request_id", reservation.id())
          .addKeyValue("key_id", reservation.keyId())
          .addKeyValue("reserved_micros", reserved)
          .addKeyValue("actual_micros", actual)
          .log("charge exceeded its reservation; charged in full");
    }
    try {
      ledger.settle(new Settlement(reservation.id(), actual, basis, now, record));
    } catch (RuntimeException storeFailure) {
      // The reservation stays open and counted; recovery at the next start charges it in full.
      log.atError()
          .setCause(storeFailure)
          .addKeyValue("request_id", reservation.id())
          .log("settlement failed; reservation stays counted until recovery");
      return;
    }
    observers.settled(record);
    events.reservationSettled(providerId, record);
  }
}
