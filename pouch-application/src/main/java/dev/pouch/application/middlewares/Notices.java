package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.RequestContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The common head of the webhook notices built-in middlewares send. */
final class Notices {
  private Notices() {}

  /** {@code type} and the key's id, name and prefix (never its secret), in that order. */
  static Map<String, Object> about(String type, RequestContext context) {
    Map<String, Object> notice = new LinkedHashMap<>();
    notice.put("type", type);
    notice.put("key_id", context.key().id());
    notice.put("key_name", context.key().name());
    notice.put("key_prefix", context.key().prefix());
    return notice;
  }
}
