package dev.pouch.server.admin;

import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.server.http.BudgetViews;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin API's JSON for budgets, shared by keys and teams: a {@code budgets} array of {@code
 * {"limit_micros", "reset_period_seconds"}} in drafts, and in views each budget with its spend.
 */
final class BudgetJson {
  private static final Set<String> TERMS_FIELDS = Set.of("limit_micros", "reset_period_seconds");

  private BudgetJson() {}

  /**
   * A {@code budgets} array: 1 to {@link BudgetTerms#MAX_PER_OWNER} objects, each with a whole
   * {@code limit_micros} (required; 0 = unlimited) and {@code reset_period_seconds} (0 = never
   * resets, the default). Errors name the element's field, say {@code budgets[1].limit_micros}.
   */
  static List<BudgetTerms> terms(Object value, String field) {
    if (!(value instanceof List<?> list)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be an array");
    }
    if (list.isEmpty() || list.size() > BudgetTerms.MAX_PER_OWNER) {
      throw RequestRejectedException.invalidRequest(
          field, field + " must hold 1 to " + BudgetTerms.MAX_PER_OWNER + " budgets");
    }
    List<BudgetTerms> terms = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String element = field + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> budget)) {
        throw RequestRejectedException.invalidRequest(element, element + " must be an object");
      }
      for (Object name : budget.keySet()) {
        if (!TERMS_FIELDS.contains(name)) {
          throw RequestRejectedException.invalidRequest(
              element + "." + name, "unknown field '" + element + "." + name + "'");
        }
      }
      String limitField = element + ".limit_micros";
      String periodField = element + ".reset_period_seconds";
      if (budget.get("limit_micros") == null) {
        throw RequestRejectedException.invalidRequest(
            limitField, limitField + " is required (0 means unlimited)");
      }
      terms.add(
          KeyDraft.budgetTerms(
              wholeNumber(budget.get("limit_micros"), limitField),
              wholeNumber(budget.get("reset_period_seconds"), periodField),
              limitField,
              periodField));
    }
    return terms;
  }

  /** One budget as views show it. */
  static Map<String, Object> view(Budget budget) {
    return BudgetViews.view(budget);
  }

  /** Budgets in order as views show them. */
  static List<Map<String, Object>> views(List<Budget> budgets) {
    return budgets.stream().map(BudgetJson::view).toList();
  }

  /** A whole number (0 when absent), refused naming the field otherwise. */
  static long wholeNumber(Object value, String field) {
    if (value == null) {
      return 0;
    }
    try {
      if (value instanceof Integer || value instanceof Long) {
        return ((Number) value).longValue();
      }
      if (value instanceof BigInteger big) {
        return big.longValueExact();
      }
      if (value instanceof BigDecimal decimal) {
        return decimal.longValueExact();
      }
    } catch (ArithmeticException notWhole) {
      // fall through to the error below
    }
    throw RequestRejectedException.invalidRequest(field, field + " must be a whole number");
  }
}
