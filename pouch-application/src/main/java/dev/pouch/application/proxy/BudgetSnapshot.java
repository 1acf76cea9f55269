package dev.pouch.application.proxy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetLayer;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.error.Refusal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One request's view of the budgets it pays from (its layers: the key's budgets, then its team's,
 * then its end user's; an end user not seen yet counts with fresh budgets on the key's terms, as
 * the reservation will create them): read once, carried through the request, and read again only
 * when the numbers must be fresh (a period just started, a reservation lost to a concurrent
 * request). Planning uses the tightest layer, the one with the least headroom: a request that fits
 * it fits them all. The ledger's guarded reserve over every layer decides; this view only plans and
 * informs.
 */
final class BudgetSnapshot {
  private final BudgetLedger ledger;
  private final String keyId;
  private final String teamId;
  private final UnaryOperator<String> teamNames;
  private final EndUser endUser;
  private final Instant firstUse;
  private List<Layer> layers;

  /** One budget the request pays from, as last read. */
  record Layer(BudgetLayer id, Budget budget) {}

  /**
   * @param teamId the key's team, or null
   * @param teamNames a team's display name by id (read only to word a refusal)
   */
  BudgetSnapshot(
      BudgetLedger ledger, String keyId, String teamId, UnaryOperator<String> teamNames) {
    this(ledger, keyId, teamId, teamNames, null, Instant.EPOCH);
  }

  /**
   * @param endUser the end user the request names, or null
   * @param firstUse when the request arrived: the period start of an end user's budgets not created
   *     yet
   */
  BudgetSnapshot(
      BudgetLedger ledger,
      String keyId,
      String teamId,
      UnaryOperator<String> teamNames,
      EndUser endUser,
      Instant firstUse) {
    this.ledger = ledger;
    this.keyId = keyId;
    this.teamId = teamId;
    this.teamNames = teamNames;
    this.endUser = endUser;
    this.firstUse = firstUse;
  }

  /** A key without a team. */
  BudgetSnapshot(BudgetLedger ledger, String keyId) {
    this(ledger, keyId, null, UnaryOperator.identity());
  }

  /** The key's team, or null. */
  String teamId() {
    return teamId;
  }

  /** The end user the request names, or null. */
  EndUser endUser() {
    return endUser;
  }

  /** Whether a layer is the end user's. */
  boolean isEndUsers(BudgetLayer layer) {
    return endUser != null && layer.ownerId().equals(endUser.ownerId());
  }

  /** The tightest layer's budget as last read (read now if never): what a plan must fit. */
  Budget get() {
    return tightest().budget();
  }

  /** The key's first budget as last read: "the key's budget" of middlewares and key control. */
  Budget keyBudget() {
    return layers().get(0).budget();
  }

  /** Reads every layer again, and keeps them; returns the tightest layer's budget. */
  Budget refresh() {
    layers = read();
    return get();
  }

  /** Every layer as last read, the key's budgets first. */
  List<Layer> layers() {
    if (layers == null) {
      layers = read();
    }
    return layers;
  }

  /** The layer with the least headroom (the first of equals): unlimited only if all are. */
  Layer tightest() {
    Layer tightest = null;
    for (Layer layer : layers()) {
      if (tightest == null
          || layer.budget().headroomMicros() < tightest.budget().headroomMicros()) {
        tightest = layer;
      }
    }
    return tightest;
  }

  /**
   * How a refusal names a layer: "This key's budget" when it is the only one, else with its period
   * ("This key's budget (daily)", "The team 'research' budget (monthly)").
   */
  String describe(BudgetLayer layer) {
    Budget budget = budgetOf(layer);
    String period = budget == null ? "" : " (" + periodName(budget.resetPeriodSeconds()) + ")";
    if (isEndUsers(layer)) {
      return "The end user '" + endUser.id() + "' budget" + period;
    }
    if (!layer.ownerId().equals(keyId)) {
      return "The team '" + teamNames.apply(layer.ownerId()) + "' budget" + period;
    }
    return layers().size() == 1 ? "This key's budget" : "This key's budget" + period;
  }

  /**
   * A plan's budget refusal (worded for "this key's budget") naming the tightest layer instead, the
   * one the plan was made against; any other refusal as it is.
   */
  Refusal named(Refusal refusal) {
    String generic = "This key's budget";
    if (refusal.code() != ErrorCode.BUDGET_EXCEEDED || !refusal.message().startsWith(generic)) {
      return refusal;
    }
    String message = describe(tightest().id()) + refusal.message().substring(generic.length());
    return new Refusal(
        refusal.code(), message, refusal.param(), refusal.retryAfterSeconds(), refusal.headers());
  }

  private Budget budgetOf(BudgetLayer layer) {
    for (Layer each : layers()) {
      if (each.id().equals(layer)) {
        return each.budget();
      }
    }
    return null;
  }

  /**
   * A period in words: "daily", "monthly"… or "every N seconds"; "lifetime" when it never resets.
   */
  static String periodName(long seconds) {
    if (seconds == 0) {
      return "lifetime";
    }
    if (seconds == 3_600) {
      return "hourly";
    }
    if (seconds == 86_400) {
      return "daily";
    }
    if (seconds == 604_800) {
      return "weekly";
    }
    if (seconds >= 2_419_200 && seconds <= 2_678_400) {
      return "monthly"; // 28 to 31 days
    }
    if (seconds == 31_536_000 || seconds == 31_557_600) {
      return "yearly";
    }
    return "every " + seconds + " seconds";
  }

  private List<Layer> read() {
    List<Layer> read = new ArrayList<>();
    List<Budget> own = ledger.budgets(keyId);
    if (own.isEmpty()) {
      throw new InternalException("key " + keyId + " has no budget row", null);
    }
    addAll(read, keyId, own);
    if (teamId != null) {
      addAll(read, teamId, ledger.budgets(teamId));
    }
    if (endUser != null && endUser.hasBudgets()) {
      List<Budget> its = ledger.budgets(endUser.ownerId());
      addAll(read, endUser.ownerId(), its.isEmpty() ? fresh(endUser.budgets()) : its);
    }
    return List.copyOf(read);
  }

  /** An end user's budgets as its first reservation will create them. */
  private List<Budget> fresh(List<BudgetTerms> terms) {
    return terms.stream()
        .map(each -> new Budget(each.limitMicros(), 0, 0, firstUse, each.resetPeriodSeconds()))
        .toList();
  }

  private static void addAll(List<Layer> into, String ownerId, List<Budget> budgets) {
    for (int position = 0; position < budgets.size(); position++) {
      into.add(new Layer(new BudgetLayer(ownerId, position), budgets.get(position)));
    }
  }
}
