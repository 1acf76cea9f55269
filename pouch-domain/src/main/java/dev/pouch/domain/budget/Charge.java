package dev.pouch.domain.budget;

import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ModelInfo;
import java.util.Objects;

/**
 * What a settlement charges, decided from how the request ended and what is known of its usage. One
 * rule for every provider and every answer shape (G6, G11 of FINANCIAL_SAFETY.md):
 *
 * <ul>
 *   <li>nothing processed: refunded;
 *   <li>usage the upstream reported is charged, with its output never below Pouch's own lower bound
 *       of what was relayed ({@code producedAtLeast}), unless it cannot be true: malformed, cached
 *       above the prompt, a prompt outside Pouch's bounds of it, or output above every output token
 *       the reservation pays for. Such usage is charged the full reservation and flagged {@link
 *       SettlementBasis#IMPLAUSIBLE_USAGE};
 *   <li>without reported usage, an answer that completed is charged Pouch's count ({@link
 *       UsageSource#COUNTED}); a stream Pouch cancelled (the client left) with an upper bound of
 *       its output is charged the prompt's bound and that output ({@link
 *       SettlementBasis#CLIENT_CLOSED}); anything else (interrupted, cut, usage unknown) the full
 *       reservation: tokens may have been produced after the last one that arrived.
 * </ul>
 *
 * A charge is never below Pouch's own lower bound: when the output relayed exceeds what the
 * reservation pays for (an upstream that ignores {@code max_tokens} and packs many tokens into a
 * chunk), that count is charged and the difference recorded as an overrun.
 *
 * @param actualMicros the charge, never negative
 * @param basis how it was decided
 * @param promptTokens prompt tokens recorded on the request-log row
 * @param cachedPromptTokens cached prompt tokens recorded
 * @param completionTokens output tokens recorded
 */
public record Charge(
    long actualMicros,
    SettlementBasis basis,
    long promptTokens,
    long cachedPromptTokens,
    long completionTokens) {

  public Charge {
    Objects.requireNonNull(basis, "basis");
    if (actualMicros < 0 || promptTokens < 0 || cachedPromptTokens < 0 || completionTokens < 0) {
      throw new IllegalArgumentException("a charge and its tokens cannot be negative");
    }
  }

  /**
   * Decides the charge of one request. Total: never throws for any usage, any count, any plan.
   *
   * @param ending how the exchange ended
   * @param usage what is known of the usage ({@link Usage#UNKNOWN} when nothing)
   * @param produced Pouch's own bounds of the output tokens produced
   * @param promptAtLeast a lower bound of the prompt tokens (0 when none is known)
   * @param plan the reservation's plan: its prompt bound and billable output
   * @param reservedMicros the amount reserved
   * @param pricing the model's prices, or {@code null} when it has none (then free)
   */
  public static Charge decide(
      Ending ending,
      Usage usage,
      Produced produced,
      long promptAtLeast,
      ReservationPlan plan,
      long reservedMicros,
      ModelInfo pricing) {
    Objects.requireNonNull(ending, "ending");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(produced, "produced");
    long floor = produced.atLeast();
    if (ending == Ending.NOT_PROCESSED) {
      return new Charge(0, SettlementBasis.REFUNDED, 0, 0, 0);
    }
    if (usage.source() == UsageSource.REPORTED) {
      if (!plausible(usage, promptAtLeast, plan)) {
        return full(SettlementBasis.IMPLAUSIBLE_USAGE, plan, floor, reservedMicros, pricing);
      }
      long completion = Math.max(usage.completionTokens(), floor);
      long cost =
          pricing == null || pricing.price() == null
              ? 0
              : pricing
                  .priceFor(usage.promptTokens())
                  .cost(
                      usage.promptTokens(),
                      usage.cachedPromptTokens(),
                      usage.cacheWrite5mTokens(),
                      usage.cacheWrite1hTokens(),
                      completion);
      if (cost == ModelPrice.BEYOND_ANY_BUDGET) {
        return full(SettlementBasis.IMPLAUSIBLE_USAGE, plan, floor, reservedMicros, pricing);
      }
      SettlementBasis basis =
          ending == Ending.CAPPED ? SettlementBasis.CAPPED : SettlementBasis.USAGE_REPORTED;
      return new Charge(cost, basis, usage.promptTokens(), usage.cachedPromptTokens(), completion);
    }
    if (ending == Ending.COMPLETED && usage.source() == UsageSource.COUNTED) {
      long completion = Math.max(usage.completionTokens(), floor);
      long cost = cost(pricing, usage.promptTokens(), 0, completion);
      if (cost != ModelPrice.BEYOND_ANY_BUDGET) {
        return new Charge(cost, SettlementBasis.COUNTED, usage.promptTokens(), 0, completion);
      }
    }
    if (ending == Ending.CLIENT_CLOSED && produced.bounded()) {
      return closed(produced, plan, reservedMicros, pricing);
    }
    // Only the lower bound can raise this charge: a count with a guessed tokenizer (COUNTED) errs
    // high, and charging it above the reservation would overspend on an ordinary disconnect.
    SettlementBasis basis =
        ending == Ending.CAPPED ? SettlementBasis.CAPPED : SettlementBasis.FULL_RESERVATION;
    return full(basis, plan, floor, reservedMicros, pricing);
  }

  /**
   * A stream Pouch cancelled: the prompt at its bound and the output at its upper bound, never more
   * than the full reservation (nor less than what was relayed).
   */
  private static Charge closed(
      Produced produced, ReservationPlan plan, long reservedMicros, ModelInfo pricing) {
    Charge full =
        full(SettlementBasis.FULL_RESERVATION, plan, produced.atLeast(), reservedMicros, pricing);
    long output =
        Math.max(produced.atLeast(), Math.min(produced.atMost(), plan.billableOutputTokens()));
    long cost = cost(pricing, plan.promptTokens(), 0, output);
    if (cost == ModelPrice.BEYOND_ANY_BUDGET || cost >= full.actualMicros()) {
      return full;
    }
    return new Charge(cost, SettlementBasis.CLIENT_CLOSED, plan.promptTokens(), 0, output);
  }

  /** Whether reported usage could be true of this request. */
  static boolean plausible(Usage usage, long promptAtLeast, ReservationPlan plan) {
    return usage.cachedPromptTokens() <= usage.promptTokens()
        && usage.cacheWriteTokens() <= usage.promptTokens() - usage.cachedPromptTokens()
        && usage.promptTokens() >= promptAtLeast
        && usage.promptTokens() <= plan.promptTokens()
        && usage.completionTokens() <= plan.billableOutputTokens();
  }

  /**
   * The full reservation, or Pouch's own lower bound of the output at the prompt's bound if that
   * costs more (it is charged, and recorded as an overrun).
   */
  private static Charge full(
      SettlementBasis basis,
      ReservationPlan plan,
      long completionFloor,
      long reservedMicros,
      ModelInfo pricing) {
    long counted = cost(pricing, plan.promptTokens(), 0, completionFloor);
    if (counted == ModelPrice.BEYOND_ANY_BUDGET) {
      // a lower bound that no amount can pay is no count at all: the provider's bound is broken
      return new Charge(
          reservedMicros, SettlementBasis.IMPLAUSIBLE_USAGE, plan.promptTokens(), 0, 0);
    }
    return new Charge(
        Math.max(reservedMicros, counted), basis, plan.promptTokens(), 0, completionFloor);
  }

  private static long cost(ModelInfo pricing, long prompt, long cached, long completion) {
    return pricing == null || pricing.price() == null
        ? 0
        : pricing.priceFor(prompt).cost(prompt, cached, completion);
  }
}
