package dev.pouch.application.billing;

import dev.pouch.application.port.in.DriftThreshold;
import dev.pouch.application.port.in.ReconcileBills;
import dev.pouch.application.port.in.Reconciliation;
import dev.pouch.application.port.in.Reconciliation.Availability;
import dev.pouch.application.port.in.Reconciliation.DayRow;
import dev.pouch.application.port.in.Reconciliation.Drift;
import dev.pouch.application.port.in.Reconciliation.ModelRow;
import dev.pouch.application.port.in.Reconciliation.ProviderSection;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.RequestLog.DailySpend;
import dev.pouch.domain.bill.BillReport;
import dev.pouch.domain.bill.BilledLine;
import dev.pouch.domain.bill.ProviderBill;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.PluginRef;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles the request log with each provider's bill: the ledger's spend per UTC day and model of
 * the live keys whose provider the bill covers ({@link ProviderBill#covers}), against the bill's
 * lines summed per day and model, each difference flagged past the {@link DriftThreshold}.
 */
public final class BillReconciler implements ReconcileBills {
  private static final Logger log = LoggerFactory.getLogger(BillReconciler.class);

  private final Map<String, ProviderBill> bills = new LinkedHashMap<>();
  private final RequestLog requestLog;
  private final KeyRepository keys;
  private final DriftThreshold threshold;

  /**
   * @param bills the providers' bills, in the order the answer lists them (one per provider id)
   */
  public BillReconciler(
      List<ProviderBill> bills,
      RequestLog requestLog,
      KeyRepository keys,
      DriftThreshold threshold) {
    for (ProviderBill bill : bills) {
      if (this.bills.putIfAbsent(bill.providerId(), bill) != null) {
        throw new IllegalArgumentException("two bills for provider " + bill.providerId());
      }
    }
    this.requestLog = Objects.requireNonNull(requestLog, "requestLog");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.threshold = Objects.requireNonNull(threshold, "threshold");
  }

  @Override
  public Reconciliation reconcile(LocalDate from, LocalDate to, String providerId) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("to is before from");
    }
    if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
      throw new IllegalArgumentException("the range is longer than " + MAX_DAYS + " days");
    }
    if (providerId != null && !bills.containsKey(providerId)) {
      throw new IllegalArgumentException(
          "no bill for provider '" + providerId + "' (known: " + bills.keySet() + ")");
    }
    Map<String, PluginRef> providerOfKey = new HashMap<>();
    for (AppKey key : keys.list()) {
      providerOfKey.put(key.id(), key.policy().provider());
    }
    List<DailySpend> spend =
        requestLog.dailySpend(
            from.atStartOfDay().toInstant(ZoneOffset.UTC),
            to.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
    long unattributed = 0;
    for (DailySpend row : spend) {
      if (!providerOfKey.containsKey(row.keyId())) {
        unattributed = Math.addExact(unattributed, row.costMicros());
      }
    }
    List<ProviderSection> sections = new ArrayList<>();
    for (ProviderBill bill : bills.values()) {
      if (providerId == null || providerId.equals(bill.providerId())) {
        sections.add(section(bill, from, to, ledgerOf(bill, spend, providerOfKey)));
      }
    }
    return new Reconciliation(from, to, threshold, sections, unattributed);
  }

  /** The spend rows of the live keys whose requests {@code bill} covers. */
  private static List<DailySpend> ledgerOf(
      ProviderBill bill, List<DailySpend> spend, Map<String, PluginRef> providerOfKey) {
    List<DailySpend> rows = new ArrayList<>();
    for (DailySpend row : spend) {
      PluginRef provider = providerOfKey.get(row.keyId());
      if (provider != null
          && provider.id().equals(bill.providerId())
          && bill.covers(provider.config())) {
        rows.add(row);
      }
    }
    return rows;
  }

  private ProviderSection section(
      ProviderBill bill, LocalDate from, LocalDate to, List<DailySpend> ledger) {
    BillReport report;
    try {
      report = bill.fetch(from, to);
    } catch (RuntimeException bug) {
      // the port promises not to throw; one provider's bug must not fail the others' answer
      log.atWarn()
          .addKeyValue("provider", bill.providerId())
          .setCause(bug)
          .log("reading the provider's bill threw");
      report = new BillReport.Failed(0, "reading the bill failed: " + bug.getClass().getName());
    }
    if (report instanceof BillReport.Unavailable unavailable) {
      return new ProviderSection(
          bill.providerId(), Availability.UNAVAILABLE, unavailable.reason(), 0, List.of());
    }
    if (report instanceof BillReport.Failed failed) {
      return new ProviderSection(
          bill.providerId(), Availability.FAILED, failed.detail(), failed.status(), List.of());
    }
    List<BilledLine> lines = ((BillReport.Billed) report).lines();
    return new ProviderSection(
        bill.providerId(), Availability.AVAILABLE, null, 0, days(from, to, ledger, lines));
  }

  /** Every day of the range, with each model either side names. */
  private List<DayRow> days(
      LocalDate from, LocalDate to, List<DailySpend> ledger, List<BilledLine> lines) {
    Map<LocalDate, Map<String, Sums>> byDay = new TreeMap<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      byDay.put(day, new TreeMap<>());
    }
    for (DailySpend row : ledger) {
      Sums sums = byDay.get(row.day()).computeIfAbsent(row.model(), m -> new Sums());
      sums.ledgerMicros = Math.addExact(sums.ledgerMicros, row.costMicros());
      sums.requests += row.requests();
      sums.prompt += row.promptTokens();
      sums.completion += row.completionTokens();
    }
    for (BilledLine line : lines) {
      Map<String, Sums> models = byDay.get(line.day());
      if (models == null) {
        continue; // a provider may round the range out to whole buckets
      }
      Sums sums = models.computeIfAbsent(modelKey(line.model(), models), m -> new Sums());
      sums.providerMicros = Math.addExact(sums.providerMicros, line.costMicros());
      sums.input += line.inputTokens();
      sums.output += line.outputTokens();
    }
    List<DayRow> days = new ArrayList<>();
    byDay.forEach(
        (day, models) -> {
          long ledgerTotal = 0;
          long providerTotal = 0;
          List<ModelRow> rows = new ArrayList<>();
          for (Map.Entry<String, Sums> entry : models.entrySet()) {
            Sums s = entry.getValue();
            ledgerTotal = Math.addExact(ledgerTotal, s.ledgerMicros);
            providerTotal = Math.addExact(providerTotal, s.providerMicros);
            rows.add(
                new ModelRow(
                    UNATTRIBUTED.equals(entry.getKey()) ? null : entry.getKey(),
                    drift(s.ledgerMicros, s.providerMicros),
                    s.requests,
                    s.prompt,
                    s.completion,
                    s.input,
                    s.output));
          }
          days.add(new DayRow(day, drift(ledgerTotal, providerTotal), rows));
        });
    return days;
  }

  /** The map key of the provider's cost attributed to no model (no model name has a NUL). */
  private static final String UNATTRIBUTED = "\0";

  /**
   * The row a provider's model name goes to: its own, or the ledger's model it is a dated snapshot
   * of ({@code gpt-4o-mini-2024-07-18} → {@code gpt-4o-mini}, the longest such name), since
   * providers bill the snapshot an alias resolved to.
   */
  private static String modelKey(String model, Map<String, Sums> ledgerModels) {
    if (model == null) {
      return UNATTRIBUTED;
    }
    if (ledgerModels.containsKey(model)) {
      return model;
    }
    String alias = null;
    for (String known : ledgerModels.keySet()) {
      boolean snapshot = model.startsWith(known + "-") && ledgerModels.get(known).requests > 0;
      if (snapshot && (alias == null || known.length() > alias.length())) {
        alias = known;
      }
    }
    return alias == null ? model : alias;
  }

  private Drift drift(long ledgerMicros, long providerMicros) {
    return new Drift(
        ledgerMicros, providerMicros, threshold.exceeded(ledgerMicros, providerMicros));
  }

  /** Both sides of one day and model, summed. */
  private static final class Sums {
    long ledgerMicros;
    long providerMicros;
    long requests;
    long prompt;
    long completion;
    long input;
    long output;
  }
}
