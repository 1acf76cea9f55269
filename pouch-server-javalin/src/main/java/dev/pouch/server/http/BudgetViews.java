package dev.pouch.server.http;

import dev.pouch.domain.budget.Budget;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the HTTP APIs show a budget: the admin API's views and a key holder's own. */
public final class BudgetViews {
  private BudgetViews() {}

  /** One budget: limit, spend, reservations and period. */
  public static Map<String, Object> view(Budget budget) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("limit_micros", budget.limitMicros());
    json.put("spent_micros", budget.spentMicros());
    json.put("reserved_micros", budget.reservedMicros());
    json.put("period_started_at", budget.periodStartedAt().toString());
    json.put("reset_period_seconds", budget.resetPeriodSeconds());
    return json;
  }

  /**
   * One budget for its holder: {@link #view} plus what is left ({@code null} without a limit) and
   * when the period ends ({@code null} when it never resets).
   */
  public static Map<String, Object> holderView(Budget budget) {
    Map<String, Object> json = view(budget);
    json.put("remaining_micros", budget.isUnlimited() ? null : budget.headroomMicros());
    java.time.Instant next = budget.nextResetAt();
    json.put("period_ends_at", next == null ? null : next.toString());
    return json;
  }
}
