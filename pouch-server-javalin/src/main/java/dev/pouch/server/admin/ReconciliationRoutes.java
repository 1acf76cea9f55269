package dev.pouch.server.admin;

import dev.pouch.application.port.in.ReconcileBills;
import dev.pouch.application.port.in.Reconciliation;
import dev.pouch.application.port.in.Reconciliation.DayRow;
import dev.pouch.application.port.in.Reconciliation.Drift;
import dev.pouch.application.port.in.Reconciliation.ModelRow;
import dev.pouch.application.port.in.Reconciliation.ProviderSection;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.server.http.JsonBodies;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/reconciliation?from=YYYY-MM-DD&to=YYYY-MM-DD[&provider=…]}: the ledger beside
 * each provider's own bill per UTC day and model, drift flagged. Behind the admin token like the
 * rest of {@code /api} ({@link AdminRoutes} guards the prefix). A provider whose bill cannot be
 * read says so in its own section; the call still answers 200.
 */
public final class ReconciliationRoutes {
  private final ReconcileBills reconciliation;
  private final JsonBodies json;

  public ReconciliationRoutes(ReconcileBills reconciliation, JsonBodies json) {
    this.reconciliation = reconciliation;
    this.json = json;
  }

  /** Adds the route under {@code prefix} ("" for the root). */
  public void install(JavalinConfig cfg, String prefix) {
    cfg.routes.get(prefix + "/api/reconciliation", this::reconcile);
  }

  private void reconcile(Context ctx) {
    LocalDate from = day(ctx, "from");
    LocalDate to = day(ctx, "to");
    if (to.isBefore(from)) {
      throw RequestRejectedException.invalidRequest("to", "to must not be before from");
    }
    if (ChronoUnit.DAYS.between(from, to) >= ReconcileBills.MAX_DAYS) {
      throw RequestRejectedException.invalidRequest(
          "to", "the range spans at most " + ReconcileBills.MAX_DAYS + " days");
    }
    String provider = ctx.queryParam("provider");
    Reconciliation result;
    try {
      result = reconciliation.reconcile(from, to, provider);
    } catch (IllegalArgumentException unknownProvider) {
      throw RequestRejectedException.invalidRequest("provider", unknownProvider.getMessage());
    }
    json.write(ctx, 200, view(result));
  }

  private static LocalDate day(Context ctx, String param) {
    String value = ctx.queryParam(param);
    if (value == null || value.isBlank()) {
      throw RequestRejectedException.invalidRequest(param, param + " is required (YYYY-MM-DD)");
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException notADay) {
      throw RequestRejectedException.invalidRequest(
          param, param + " must be a day as YYYY-MM-DD, got '" + value + "'");
    }
  }

  static Map<String, Object> view(Reconciliation result) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("from", result.from().toString());
    body.put("to", result.to().toString());
    body.put("drift_percent", result.threshold().percent().toPlainString());
    body.put("drift_floor_micros", result.threshold().minMicros());
    body.put("unattributed_micros", result.unattributedMicros());
    body.put("providers", result.providers().stream().map(ReconciliationRoutes::section).toList());
    return body;
  }

  private static Map<String, Object> section(ProviderSection section) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("provider", section.provider());
    json.put("available", section.availability() == Reconciliation.Availability.AVAILABLE);
    json.put("status", section.availability().name().toLowerCase(Locale.ROOT));
    json.put("reason", section.reason());
    json.put("upstream_status", section.upstreamStatus() == 0 ? null : section.upstreamStatus());
    json.put("flagged", section.flagged());
    List<Map<String, Object>> days =
        section.days().stream().map(ReconciliationRoutes::day).toList();
    json.put("days", days);
    return json;
  }

  private static Map<String, Object> day(DayRow day) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("day", day.day().toString());
    drift(json, day.total());
    json.put("models", day.models().stream().map(ReconciliationRoutes::model).toList());
    return json;
  }

  private static Map<String, Object> model(ModelRow row) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", row.model());
    drift(json, row.cost());
    json.put("ledger_requests", row.ledgerRequests());
    json.put("ledger_prompt_tokens", row.ledgerPromptTokens());
    json.put("ledger_completion_tokens", row.ledgerCompletionTokens());
    json.put("provider_input_tokens", row.providerInputTokens());
    json.put("provider_output_tokens", row.providerOutputTokens());
    return json;
  }

  private static void drift(Map<String, Object> json, Drift drift) {
    json.put("ledger_micros", drift.ledgerMicros());
    json.put("provider_micros", drift.providerMicros());
    json.put("difference_micros", drift.differenceMicros());
    BigDecimal ratio = drift.ratio();
    json.put("drift_ratio", ratio == null ? null : ratio.toPlainString());
    json.put("flagged", drift.flagged());
  }
}
