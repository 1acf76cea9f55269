package dev.pouch.server.admin;

import dev.pouch.application.keys.KeyService;
import dev.pouch.application.plugins.PluginCatalog;
import dev.pouch.application.plugins.PluginRegistry;
import dev.pouch.application.port.in.EndUserView;
import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.application.port.in.KeyView;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.SchemaField;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The admin API's JSON for keys: parsing drafts strictly, rendering views with secrets masked. */
final class KeyJson {
  private static final Set<String> DRAFT_FIELDS =
      Set.of(
          "name",
          "provider",
          "fallbacks",
          "middlewares",
          "allowed_models",
          "budget_limit_micros",
          "reset_period_seconds",
          "budgets",
          "team_id",
          "expires_at",
          "auto_renew",
          "end_user");

  private final PluginCatalog catalog;

  KeyJson(PluginCatalog catalog) {
    this.catalog = catalog;
  }

  /**
   * A draft from a request body. Unknown fields and wrong types are refused naming the field.
   *
   * @throws RequestRejectedException {@code INVALID_REQUEST}
   */
  KeyDraft draft(Map<String, Object> body) {
    for (String field : body.keySet()) {
      if (!DRAFT_FIELDS.contains(field)) {
        throw RequestRejectedException.invalidRequest(field, "unknown field '" + field + "'");
      }
    }
    Map<String, Object> provider = object(body.get("provider"), "provider");
    if (provider == null) {
      throw RequestRejectedException.invalidRequest("provider", "provider is required");
    }
    onlyFields(provider, "provider", "id", "config");
    List<KeyDraft.FallbackDraft> fallbacks = new ArrayList<>();
    List<?> rawFallbacks = list(body.get("fallbacks"), "fallbacks");
    for (int i = 0; i < rawFallbacks.size(); i++) {
      String field = "fallbacks[" + i + "]";
      Map<String, Object> fallback = object(rawFallbacks.get(i), field);
      if (fallback == null) {
        throw RequestRejectedException.invalidRequest(field, field + " must be an object");
      }
      onlyFields(fallback, field, "id", "config", "model");
      fallbacks.add(
          new KeyDraft.FallbackDraft(
              string(fallback.get("id"), field + ".id"),
              object(fallback.get("config"), field + ".config"),
              string(fallback.get("model"), field + ".model")));
    }
    List<KeyDraft.MiddlewareDraft> middlewares = new ArrayList<>();
    List<?> rawMiddlewares = list(body.get("middlewares"), "middlewares");
    for (int i = 0; i < rawMiddlewares.size(); i++) {
      String field = "middlewares[" + i + "]";
      Map<String, Object> middleware = object(rawMiddlewares.get(i), field);
      if (middleware == null) {
        throw RequestRejectedException.invalidRequest(field, field + " must be an object");
      }
      onlyFields(middleware, field, "id", "config");
      middlewares.add(
          new KeyDraft.MiddlewareDraft(
              string(middleware.get("id"), field + ".id"),
              object(middleware.get("config"), field + ".config")));
    }
    List<String> models = new ArrayList<>();
    for (Object model : list(body.get("allowed_models"), "allowed_models")) {
      String name = string(model, "allowed_models");
      if (name == null) {
        throw RequestRejectedException.invalidRequest(
            "allowed_models", "allowed_models must hold model names");
      }
      models.add(name);
    }
    return new KeyDraft(
        string(body.get("name"), "name"),
        string(provider.get("id"), "provider.id"),
        object(provider.get("config"), "provider.config"),
        fallbacks,
        middlewares,
        models,
        budgets(body),
        string(body.get("team_id"), "team_id"),
        instant(body.get("expires_at"), "expires_at"),
        bool(body.get("auto_renew"), "auto_renew"),
        endUser(body.get("end_user")));
  }

  /**
   * The key's end-user policy: {@code {"source": "user" | "safety_identifier" | "header",
   * "required": false, "budgets": [...]}} ({@code source} required; {@code budgets} 0 to {@link
   * BudgetTerms#MAX_PER_OWNER} terms in the shape of the key's own), or {@code null}.
   */
  private static EndUserPolicy endUser(Object value) {
    Map<String, Object> endUser = object(value, "end_user");
    if (endUser == null) {
      return null;
    }
    onlyFields(endUser, "end_user", "source", "required", "budgets");
    String source = string(endUser.get("source"), "end_user.source");
    String sources = "'user', 'safety_identifier' or 'header'";
    if (source == null) {
      throw RequestRejectedException.invalidRequest(
          "end_user.source", "end_user.source is required: " + sources);
    }
    EndUserPolicy.Source parsed =
        EndUserPolicy.Source.ofWire(source)
            .orElseThrow(
                () ->
                    RequestRejectedException.invalidRequest(
                        "end_user.source", "end_user.source must be " + sources));
    Object budgets = endUser.get("budgets");
    List<BudgetTerms> terms =
        budgets instanceof List<?> list && list.isEmpty() || budgets == null
            ? List.of()
            : BudgetJson.terms(budgets, "end_user.budgets");
    return new EndUserPolicy(parsed, bool(endUser.get("required"), "end_user.required"), terms);
  }

  /**
   * A draft that replaces {@code current}'s settings. Two fields that clients before budgets in
   * layers (the admin UI among them) do not send are kept when absent, so that such a client never
   * drops a layer by editing a key: without {@code budgets}, the shorthand replaces the first
   * budget only and the others stay; without {@code team_id}, the key stays in its team ({@code
   * "team_id": null} takes it out); without {@code fallbacks}, the key keeps its fallbacks and
   * their stored secrets ({@code "fallbacks": []} removes them); without {@code end_user}, the key
   * keeps its end-user policy ({@code "end_user": null} removes it, and its end users' budgets).
   */
  KeyDraft draft(Map<String, Object> body, KeyView current) {
    Map<String, Object> completed = new LinkedHashMap<>(body);
    if (!body.containsKey("fallbacks")) {
      completed.put("fallbacks", fallbacks(current.key()));
    }
    if (!body.containsKey("team_id")) {
      completed.put("team_id", current.key().teamId());
    }
    if (!body.containsKey("end_user")) {
      completed.put("end_user", endUserView(current.key().policy().endUser()));
    }
    if (body.get("budgets") == null && current.budgets().size() > 1) {
      List<Object> budgets = new ArrayList<>();
      budgets.add(
          Map.of(
              "limit_micros",
              BudgetJson.wholeNumber(body.get("budget_limit_micros"), "budget_limit_micros"),
              "reset_period_seconds",
              BudgetJson.wholeNumber(body.get("reset_period_seconds"), "reset_period_seconds")));
      for (Budget kept : current.budgets().subList(1, current.budgets().size())) {
        budgets.add(
            Map.of(
                "limit_micros", kept.limitMicros(),
                "reset_period_seconds", kept.resetPeriodSeconds()));
      }
      completed.put("budgets", budgets);
    }
    return draft(completed);
  }

  /**
   * The key's budgets: the {@code budgets} array, or the shorthand {@code budget_limit_micros} +
   * {@code reset_period_seconds} for one budget (neither: one unlimited budget). Both may be sent
   * only when the shorthand says what {@code budgets[0]} says (a client that echoes a view back);
   * otherwise the shorthand field is refused.
   */
  private static List<BudgetTerms> budgets(Map<String, Object> body) {
    long limit = BudgetJson.wholeNumber(body.get("budget_limit_micros"), "budget_limit_micros");
    long period = BudgetJson.wholeNumber(body.get("reset_period_seconds"), "reset_period_seconds");
    BudgetTerms shorthand =
        KeyDraft.budgetTerms(limit, period, "budget_limit_micros", "reset_period_seconds");
    if (body.get("budgets") == null) {
      return List.of(shorthand);
    }
    List<BudgetTerms> budgets = BudgetJson.terms(body.get("budgets"), "budgets");
    BudgetTerms first = budgets.get(0);
    if (body.get("budget_limit_micros") != null && limit != first.limitMicros()) {
      throw RequestRejectedException.invalidRequest(
          "budget_limit_micros",
          "budget_limit_micros disagrees with budgets[0].limit_micros; send one or the other");
    }
    if (body.get("reset_period_seconds") != null && period != first.resetPeriodSeconds()) {
      throw RequestRejectedException.invalidRequest(
          "reset_period_seconds",
          "reset_period_seconds disagrees with budgets[0].reset_period_seconds; send one or the"
              + " other");
    }
    return budgets;
  }

  /** The key view of DESIGN §4. */
  Map<String, Object> view(KeyView view) {
    AppKey key = view.key();
    Budget budget = view.budget();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", key.id());
    json.put("name", key.name());
    json.put("prefix", key.prefix());
    json.put("provider", plugin(key.policy().provider(), catalog.providers()));
    json.put("fallbacks", fallbacks(key));
    json.put(
        "middlewares",
        key.policy().middlewares().stream().map(m -> plugin(m, catalog.middlewares())).toList());
    json.put("allowed_models", key.policy().allowedModels());
    json.put("budget", BudgetJson.view(budget));
    json.put("budgets", BudgetJson.views(view.budgets()));
    json.put("team_id", key.teamId());
    json.put("end_user", endUserView(key.policy().endUser()));
    json.put("expires_at", key.expiresAt() == null ? null : key.expiresAt().toString());
    json.put("auto_renew", key.autoRenew());
    json.put("created_at", key.createdAt().toString());
    json.put("status", view.status().wireName());
    json.put("simulated", view.simulated());
    json.put(
        "suspension",
        key.isSuspended()
            ? Map.of("at", key.suspension().at().toString(), "reason", key.suspension().reason())
            : null);
    return json;
  }

  /** The key's fallbacks as the draft takes them, secrets masked. */
  private List<Map<String, Object>> fallbacks(AppKey key) {
    List<Map<String, Object>> fallbacks = new ArrayList<>();
    for (Fallback fallback : key.policy().fallbacks()) {
      Map<String, Object> json =
          new LinkedHashMap<>(plugin(fallback.provider(), catalog.providers()));
      if (fallback.model() != null) {
        json.put("model", fallback.model());
      }
      fallbacks.add(json);
    }
    return fallbacks;
  }

  /** A key's end-user policy as views show it (and drafts take it), or null. */
  private static Map<String, Object> endUserView(EndUserPolicy endUser) {
    if (endUser == null) {
      return null;
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("source", endUser.source().wireName());
    json.put("required", endUser.required());
    json.put(
        "budgets",
        endUser.budgets().stream()
            .map(
                terms ->
                    Map.<String, Object>of(
                        "limit_micros",
                        terms.limitMicros(),
                        "reset_period_seconds",
                        terms.resetPeriodSeconds()))
            .toList());
    return json;
  }

  /** One end user of a key as the admin API shows it: its id and budgets. */
  static Map<String, Object> endUserView(String keyId, EndUserView endUser) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", endUser.id());
    json.put("key_id", keyId);
    json.put("budgets", BudgetJson.views(endUser.budgets()));
    return json;
  }

  private static Map<String, Object> plugin(PluginRef ref, PluginRegistry<?> registry) {
    PluginInfo info = registry.info(ref.id()).orElse(null);
    Map<String, Object> config = new LinkedHashMap<>();
    ref.config()
        .values()
        .forEach(
            (name, value) -> {
              boolean secret =
                  info != null
                      && info.schema()
                          .field(name)
                          .map(SchemaField::type)
                          .filter(t -> t == FieldType.SECRET)
                          .isPresent();
              config.put(name, secret ? KeyService.SECRET_MASK : value);
            });
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", ref.id());
    json.put("config", config);
    return json;
  }

  private static void onlyFields(Map<String, Object> object, String where, String... allowed) {
    Set<String> known = Set.of(allowed);
    for (String field : object.keySet()) {
      if (!known.contains(field)) {
        throw RequestRejectedException.invalidRequest(
            where + "." + field, "unknown field '" + where + "." + field + "'");
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be an object");
    }
    return new LinkedHashMap<>((Map<String, Object>) map);
  }

  private static List<?> list(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be an array");
    }
    return list;
  }

  private static String string(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be a string");
    }
    return text;
  }

  private static boolean bool(Object value, String field) {
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean flag)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be true or false");
    }
    return flag;
  }

  private static Instant instant(Object value, String field) {
    String text = string(value, field);
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw RequestRejectedException.invalidRequest(
          field, field + " must be an ISO-8601 UTC time like 2026-12-31T23:59:59Z");
    }
  }
}
