package dev.pouch.server.admin;

import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.application.port.out.UndeliveredNotices.Kept;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.server.http.JsonBodies;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The webhook notices Pouch could not deliver, under {@code /api/webhooks/undelivered}: listed
 * newest first (paged with {@code before}, the last id seen) and deleted one by one or all at once.
 * Behind the admin token like the rest of {@code /api} ({@link AdminRoutes} guards the prefix).
 */
public final class UndeliveredWebhookRoutes {
  private static final int DEFAULT_LIMIT = 100;

  private final UndeliveredNotices notices;
  private final JsonBodies json;

  public UndeliveredWebhookRoutes(UndeliveredNotices notices, JsonBodies json) {
    this.notices = notices;
    this.json = json;
  }

  /** Adds the routes under {@code prefix} ("" for the root). */
  public void install(JavalinConfig cfg, String prefix) {
    String path = prefix + "/api/webhooks/undelivered";
    cfg.routes.get(path, this::list);
    cfg.routes.delete(path, this::deleteAll);
    cfg.routes.delete(path + "/{id}", this::delete);
  }

  private void list(Context ctx) {
    int limit = (int) number(ctx.queryParam("limit"), "limit", DEFAULT_LIMIT);
    if (limit < 1 || limit > 1000) {
      throw RequestRejectedException.invalidRequest("limit", "limit must be from 1 to 1000");
    }
    String before = ctx.queryParam("before");
    Long beforeId = before == null ? null : number(before, "before", 0);
    json.write(
        ctx,
        200,
        notices.list(beforeId, limit).stream().map(UndeliveredWebhookRoutes::row).toList());
  }

  private void delete(Context ctx) {
    String id = ctx.pathParam("id");
    if (!notices.delete(number(id, "id", 0))) {
      throw new RequestRejectedException(
          ErrorCode.NOT_FOUND, "no undelivered notice with id '" + id + "'");
    }
    ctx.status(204);
  }

  private void deleteAll(Context ctx) {
    json.write(ctx, 200, Map.of("deleted", notices.deleteAll()));
  }

  private static long number(String value, String param, long absent) {
    if (value == null) {
      return absent;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw RequestRejectedException.invalidRequest(param, param + " must be a whole number");
    }
  }

  private static Map<String, Object> row(Kept kept) {
    UndeliveredNotices.UndeliveredNotice notice = kept.notice();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", kept.id());
    row.put("url_host", notice.urlHost());
    row.put("type", notice.type());
    row.put("key_id", notice.keyId());
    row.put("attempts", notice.attempts());
    row.put("last_status", notice.lastStatus());
    row.put("last_error", notice.lastError());
    row.put("first_attempt_at", notice.firstAttemptAt().toString());
    row.put("last_attempt_at", notice.lastAttemptAt().toString());
    row.put("payload", notice.payload());
    return row;
  }
}
