package dev.pouch.application.middlewares;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.chain.RequestObserver;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code budget_alert}: posts a JSON notice to {@code webhook_url} when a key's settled spend
 * crosses each of the configured {@code percents} of its budget, once per budget period. Keys
 * without a limit send nothing. The record of sent alerts lives in memory: a restart or an edit of
 * the key's middlewares may repeat an alert of the current period, never skip one.
 */
final class BudgetAlertMiddleware implements Middleware {
  static final String ID = "budget_alert";

  private final List<Long> percents;
  private final String webhookUrl;
  private Instant period;
  private long lastSpent;
  private final Set<Long> sent = new TreeSet<>();

  BudgetAlertMiddleware(List<Long> percents, String webhookUrl) {
    this.percents = List.copyOf(percents);
    this.webhookUrl = webhookUrl;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    RequestContext context = chain.context();
    context.observe(
        new RequestObserver() {
          @Override
          public void settled(RequestRecord record) {
            if (record.costMicros() > 0) {
              check(context);
            }
          }
        });
    return chain.proceed(chain.request());
  }

  private void check(RequestContext context) {
    Budget budget = context.control().budget();
    if (budget.isUnlimited()) {
      return;
    }
    // Exact integer percent crossing: spent * 100 >= percent * limit, without overflow.
    BigInteger spentTimes100 =
        BigInteger.valueOf(budget.spentMicros()).multiply(BigInteger.TEN.pow(2));
    List<Long> crossed;
    synchronized (this) {
      // A new period (or an admin reset within the same millisecond): alerts start over.
      if (!budget.periodStartedAt().equals(period) || budget.spentMicros() < lastSpent) {
        period = budget.periodStartedAt();
        sent.clear();
      }
      lastSpent = budget.spentMicros();
      crossed =
          percents.stream()
              .filter(
                  p ->
                      !sent.contains(p)
                          && spentTimes100.compareTo(
                                  BigInteger.valueOf(p)
                                      .multiply(BigInteger.valueOf(budget.limitMicros())))
                              >= 0)
              .toList();
      sent.addAll(crossed);
    }
    for (long percent : crossed) {
      Map<String, Object> notice = Notices.about("budget_alert", context);
      notice.put("percent", percent);
      notice.put("spent_micros", budget.spentMicros());
      notice.put("limit_micros", budget.limitMicros());
      notice.put("period_started_at", budget.periodStartedAt().toString());
      context.control().notify(webhookUrl, notice);
    }
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Budget alert",
          "Notifies a webhook when the key's spend crosses given percentages of its budget, once"
              + " per period.",
          PluginSchema.of(
              CommonFields.webhookUrl("Receives a JSON notice (POST) per crossed threshold.", true),
              SchemaField.builder("percents", FieldType.STRING)
                  .displayName("Thresholds (%)")
                  .description("Percentages of the budget, separated by commas.")
                  .defaultValue("50, 80, 100")
                  .max(1_000)
                  .role(PluginSchema.NUMBERS_ROLE)
                  .build()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO,
        config ->
            new BudgetAlertMiddleware(
                PluginSchema.parseNumbers(config.string("percents", "50, 80, 100")),
                config.string("webhook_url", "")));
  }
}
