package dev.pouch.server.admin;

import dev.pouch.application.Pouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.EndUserView;
import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.application.port.in.KeyView;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.server.http.JsonBodies;
import dev.pouch.server.security.AdminAuthLimiter;
import dev.pouch.server.security.AdminToken;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The admin API under {@code /api} (DESIGN §4), behind the admin token. */
public final class AdminRoutes {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AdminRoutes.class);
  private static final int DEFAULT_LOG_LIMIT = 100;
  private static final int DEFAULT_END_USER_LIMIT = 100;
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private final Pouch pouch;
  private final AdminToken token;
  private final AdminAuthLimiter limiter;
  private final JsonBodies json;
  private final KeyJson keyJson;
  private final KeysApply keysApply;
  private final Clock clock;

  public AdminRoutes(
      Pouch pouch, AdminToken token, AdminAuthLimiter limiter, JsonBodies json, Clock clock) {
    this.pouch = pouch;
    this.token = token;
    this.limiter = limiter;
    this.json = json;
    this.keyJson = new KeyJson(pouch.plugins());
    this.keysApply = new KeysApply(pouch.keys(), pouch.teams(), keyJson);
    this.clock = clock;
  }

  /** Adds the routes under {@code prefix} ("" for the root). */
  public void install(JavalinConfig cfg, String prefix) {
    cfg.routes.before(prefix + "/api/*", this::requireAdmin);
    cfg.routes.post(prefix + "/api/keys", this::create);
    cfg.routes.get(
        prefix + "/api/keys",
        ctx -> json.write(ctx, 200, pouch.keys().list().stream().map(keyJson::view).toList()));
    cfg.routes.get(
        prefix + "/api/keys/{id}",
        ctx -> json.write(ctx, 200, keyJson.view(pouch.keys().get(ctx.pathParam("id")))));
    cfg.routes.put(prefix + "/api/keys/{id}", this::update);
    cfg.routes.delete(prefix + "/api/keys/{id}", this::delete);
    cfg.routes.post(
        prefix + "/api/keys/{id}/budget/reset",
        ctx -> json.write(ctx, 200, keyJson.view(pouch.keys().resetBudget(ctx.pathParam("id")))));
    cfg.routes.post(prefix + "/api/keys/{id}/suspend", this::suspend);
    cfg.routes.get(prefix + "/api/keys/{id}/end-users", this::endUsers);
    cfg.routes.get(prefix + "/api/keys/{id}/end-users/<endUser>", this::endUser);
    cfg.routes.post(
        prefix + "/api/keys/{id}/resume",
        ctx -> json.write(ctx, 200, keyJson.view(pouch.keys().resume(ctx.pathParam("id")))));
    cfg.routes.post(
        prefix + "/api/teams",
        ctx ->
            json.write(
                ctx,
                201,
                TeamJson.view(pouch.teams().create(TeamJson.draft(json.readObject(ctx))))));
    cfg.routes.get(
        prefix + "/api/teams",
        ctx -> json.write(ctx, 200, pouch.teams().list().stream().map(TeamJson::view).toList()));
    cfg.routes.get(
        prefix + "/api/teams/{id}",
        ctx -> json.write(ctx, 200, TeamJson.view(pouch.teams().get(ctx.pathParam("id")))));
    cfg.routes.patch(prefix + "/api/teams/{id}", this::updateTeam);
    cfg.routes.delete(
        prefix + "/api/teams/{id}",
        ctx -> {
          pouch.teams().delete(ctx.pathParam("id"));
          ctx.status(204);
        });
    cfg.routes.post(
        prefix + "/api/apply", ctx -> json.write(ctx, 200, keysApply.apply(json.readObject(ctx))));
    cfg.routes.get(prefix + "/api/plugins", this::plugins);
    cfg.routes.get(prefix + "/api/usage", this::usage);
    cfg.routes.get(prefix + "/api/requests", this::requests);
  }

  private void requireAdmin(Context ctx) {
    // The peer address, not X-Forwarded-For: a client must not choose its own bucket.
    String address = ctx.req().getRemoteAddr();
    limiter.check(address);
    String authorization = ctx.header("Authorization");
    if (!token.matches(authorization)) {
      // Only a wrong token counts as a failed login. Any web page open in the admin's browser can
      // send requests without one (no-cors fetches carry no Authorization header); counting those
      // would let it keep the admin locked out, and they guess nothing.
      if (AdminToken.presentsToken(authorization)) {
        limiter.failed(address);
        log.atWarn()
            .addKeyValue("client", address)
            .addKeyValue("path", ctx.path())
            .log("admin authentication failed");
      }
      throw new RequestRejectedException(
          ErrorCode.ADMIN_UNAUTHORIZED,
          "Missing or wrong admin token: send 'Authorization: Bearer <admin token>'.");
    }
  }

  private void create(Context ctx) {
    CreatedKey created = pouch.keys().create(keyJson.draft(json.readObject(ctx)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("key", created.secret());
    body.putAll(keyJson.view(created.view()));
    json.write(ctx, 201, body);
  }

  private void update(Context ctx) {
    String id = ctx.pathParam("id");
    KeyView current = pouch.keys().get(id); // 404 before validating the body
    KeyDraft draft = keyJson.draft(json.readObject(ctx), current);
    json.write(ctx, 200, keyJson.view(pouch.keys().update(id, draft)));
  }

  /**
   * {@code GET /api/keys/{id}/end-users?limit=&after=}: a page of the key's end users (those with
   * budgets), by id; {@code next_after} is the cursor of the next page, null on the last.
   */
  private void endUsers(Context ctx) {
    String keyId = ctx.pathParam("id");
    int limit = limit(ctx, DEFAULT_END_USER_LIMIT, 1000);
    String after = ctx.queryParam("after");
    if (after != null && EndUser.checkId(after) != null) {
      throw RequestRejectedException.invalidRequest(
          "after", "'after' must be an end-user id (the last of the previous page)");
    }
    List<EndUserView> page = pouch.keys().endUsers(keyId, after, limit);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("object", "list");
    body.put("data", page.stream().map(each -> KeyJson.endUserView(keyId, each)).toList());
    body.put("next_after", page.size() < limit ? null : page.get(page.size() - 1).id());
    json.write(ctx, 200, body);
  }

  /** {@code GET /api/keys/{id}/end-users/{endUser}}: one end user's budgets, else 404. */
  private void endUser(Context ctx) {
    String keyId = ctx.pathParam("id");
    String endUserId = ctx.pathParam("endUser");
    EndUserView endUser =
        pouch
            .keys()
            .endUser(keyId, endUserId)
            .orElseThrow(
                () ->
                    new RequestRejectedException(
                        ErrorCode.NOT_FOUND,
                        "The key " + keyId + " has no end user with budgets by that id."));
    json.write(ctx, 200, KeyJson.endUserView(keyId, endUser));
  }

  /** The {@code limit} query parameter, from 1 to {@code max}. */
  private static int limit(Context ctx, int fallback, int max) {
    int limit;
    try {
      limit =
          Integer.parseInt(
              ctx.queryParamAsClass("limit", String.class).getOrDefault("" + fallback));
    } catch (NumberFormatException e) {
      throw RequestRejectedException.invalidRequest("limit", "limit must be a whole number");
    }
    if (limit < 1 || limit > max) {
      throw RequestRejectedException.invalidRequest("limit", "limit must be from 1 to " + max);
    }
    return limit;
  }

  private void updateTeam(Context ctx) {
    String id = ctx.pathParam("id");
    pouch.teams().get(id); // 404 before validating the body
    json.write(
        ctx, 200, TeamJson.view(pouch.teams().update(id, TeamJson.draft(json.readObject(ctx)))));
  }

  /** Body optional: {@code {"reason": "…"}}. */
  private void suspend(Context ctx) {
    String id = ctx.pathParam("id");
    pouch.keys().get(id); // 404 before reading the body
    Map<String, Object> body = json.readOptionalObject(ctx);
    for (String field : body.keySet()) {
      if (!field.equals("reason")) {
        throw RequestRejectedException.invalidRequest(field, "unknown field '" + field + "'");
      }
    }
    Object reason = body.get("reason");
    if (reason != null && !(reason instanceof String)) {
      throw RequestRejectedException.invalidRequest("reason", "'reason' must be a string");
    }
    String why =
        reason == null || ((String) reason).isBlank() ? "suspended by an admin" : (String) reason;
    json.write(ctx, 200, keyJson.view(pouch.keys().suspend(id, why)));
  }

  private void delete(Context ctx) {
    pouch.keys().delete(ctx.pathParam("id"));
    ctx.status(204);
  }

  private void plugins(Context ctx) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(
        "providers",
        pouch.plugins().providers().infos().stream().map(i -> plugin(i, false)).toList());
    body.put(
        "middlewares",
        pouch.plugins().middlewares().infos().stream().map(i -> plugin(i, true)).toList());
    json.write(ctx, 200, body);
  }

  private static Map<String, Object> plugin(PluginInfo info, boolean middleware) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", info.id());
    json.put("display_name", info.displayName());
    json.put("description", info.description());
    json.put(
        "schema",
        Map.of("fields", info.schema().fields().stream().map(AdminRoutes::field).toList()));
    if (middleware) {
      json.put("is_default", info.isDefault());
    }
    return json;
  }

  private static Map<String, Object> field(SchemaField field) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", field.name());
    json.put("type", field.type().wireName());
    json.put("display_name", field.displayName());
    json.put("description", field.description());
    json.put("default", field.defaultValue());
    json.put("options", field.options());
    json.put("required", field.required());
    json.put("min", field.min());
    json.put("max", field.max());
    json.put("role", field.role());
    return json;
  }

  private void usage(Context ctx) {
    String bucket = ctx.queryParamAsClass("bucket", String.class).getOrDefault("day");
    long width;
    Duration span;
    if (bucket.equals("hour")) {
      width = 3600;
      span = Duration.ofHours(48);
    } else if (bucket.equals("day")) {
      width = 86400;
      span = Duration.ofDays(30);
    } else {
      throw RequestRejectedException.invalidRequest("bucket", "bucket must be 'hour' or 'day'");
    }
    // By default up to the end of the current bucket, so the request just made is included.
    long nowSeconds = clock.instant().getEpochSecond();
    Instant to = time(ctx, "to", Instant.ofEpochSecond(nowSeconds - nowSeconds % width + width));
    Instant from = time(ctx, "from", to.minus(span));
    if (!from.isBefore(to)) {
      throw RequestRejectedException.invalidRequest("from", "from must be before to");
    }
    String keyId = ctx.queryParam("key_id");
    List<Map<String, Object>> data =
        pouch.requestLog().usage(keyId, from, to, width).stream()
            .map(
                b -> {
                  Map<String, Object> row = new LinkedHashMap<>();
                  row.put("start", b.start().toString());
                  row.put("requests", b.requests());
                  row.put("prompt_tokens", b.promptTokens());
                  row.put("completion_tokens", b.completionTokens());
                  row.put("cost_micros", b.costMicros());
                  return row;
                })
            .toList();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("key_id", keyId);
    body.put("bucket", bucket);
    body.put("from", from.toString());
    body.put("to", to.toString());
    body.put("data", data);
    json.write(ctx, 200, body);
  }

  private void requests(Context ctx) {
    int limit;
    try {
      limit =
          Integer.parseInt(
              ctx.queryParamAsClass("limit", String.class).getOrDefault("" + DEFAULT_LOG_LIMIT));
    } catch (NumberFormatException e) {
      throw RequestRejectedException.invalidRequest("limit", "limit must be a whole number");
    }
    if (limit < 1 || limit > 1000) {
      throw RequestRejectedException.invalidRequest("limit", "limit must be from 1 to 1000");
    }
    RequestLog log = pouch.requestLog();
    String id = ctx.queryParam("id");
    if (id != null) {
      // one request, by Pouch's id (x-request-id) or the id its client sent
      if (id.isBlank() || id.length() > 200) {
        throw RequestRejectedException.invalidRequest("id", "'id' must be a request id");
      }
      json.write(ctx, 200, log.find(id, limit).stream().map(AdminRoutes::row).toList());
      return;
    }
    String after = ctx.queryParam("after");
    Instant before = time(ctx, "before", null);
    if (after != null && before != null) {
      throw RequestRejectedException.invalidRequest(
          "after", "give either 'after' (a request id) or 'before' (a time), not both");
    }
    if (after != null && (after.isBlank() || after.length() > 200)) {
      throw RequestRejectedException.invalidRequest("after", "'after' must be a request id");
    }
    // 'after' pages by row (the last id seen): rows sharing a millisecond are never skipped.
    List<RequestRecord> rows =
        after != null
            ? log.listAfter(ctx.queryParam("key_id"), after, limit)
            : log.list(ctx.queryParam("key_id"), before, limit);
    json.write(ctx, 200, rows.stream().map(AdminRoutes::row).toList());
  }

  private static Map<String, Object> row(RequestRecord r) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", r.requestId());
    json.put("key_id", r.keyId());
    json.put("model", r.model());
    json.put("created_at", r.createdAt().toString());
    json.put("status", r.status());
    json.put("streamed", r.streamed());
    json.put("prompt_tokens", r.promptTokens());
    json.put("cached_prompt_tokens", r.cachedPromptTokens());
    json.put("completion_tokens", r.completionTokens());
    json.put("reserved_micros", r.reservedMicros());
    json.put("cost_micros", r.costMicros());
    json.put("settlement", r.basis() == null ? null : r.basis().wireName());
    json.put("overrun_micros", r.overrunMicros());
    json.put("latency_ms", r.latencyMillis());
    json.put("error_code", r.errorCode());
    json.put("priced_as", r.pricedAs());
    json.put("client_request_id", r.clientRequestId());
    json.put("end_user_id", r.endUserId());
    json.put("upstream", r.upstream());
    return json;
  }

  private static Instant time(Context ctx, String param, Instant fallback) {
    String value = ctx.queryParam(param);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    Instant parsed;
    try {
      parsed = Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw RequestRejectedException.invalidRequest(param, param + " must be an ISO-8601 UTC time");
    }
    if (parsed.isBefore(Instant.EPOCH) || parsed.isAfter(LATEST)) {
      // Far-off instants overflow epoch arithmetic (and mean nothing for a request log).
      throw RequestRejectedException.invalidRequest(
          param, param + " must be between 1970 and 9999");
    }
    return parsed;
  }
}
