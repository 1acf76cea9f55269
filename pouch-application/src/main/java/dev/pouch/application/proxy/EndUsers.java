package dev.pouch.application.proxy;

import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.provider.Operation;
import java.util.Map;

/**
 * Admit, end user: the end user a request names, read only where its key's policy says (a key that
 * trusts the header ignores the body fields, and the other way round). An id that is no id is
 * refused, and so is a missing one on a key that requires it, naming the field or header. A key
 * without an end-user policy reads nothing: its requests take the key-only path.
 */
final class EndUsers {
  private EndUsers() {}

  /**
   * The end user of a request, or {@code null} when its key reads none or the request names none
   * (an empty string names none).
   *
   * @param header the {@value EndUserPolicy#HEADER} header's value, or null
   * @throws RequestRejectedException {@code invalid_request_error} naming the field or header
   */
  static EndUser named(AppKey key, String api, Map<String, Object> body, String header) {
    EndUserPolicy policy = key.policy().endUser();
    if (policy == null) {
      return null;
    }
    String field = fieldOf(policy.source(), api);
    Object value = policy.source() == EndUserPolicy.Source.HEADER ? header : valueAt(body, field);
    if (value != null && !(value instanceof String)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be a string");
    }
    String id = (String) value;
    if (id == null || id.isEmpty()) {
      if (policy.required()) {
        throw RequestRejectedException.invalidRequest(
            field, "This key requires an end-user id: send it in " + where(policy, field) + ".");
      }
      return null;
    }
    String fault = EndUser.checkId(id);
    if (fault != null) {
      throw RequestRejectedException.invalidRequest(
          field, "The end-user id in " + where(policy, field) + " is not valid: " + fault + ".");
    }
    return new EndUser(key.id(), id, policy.budgets());
  }

  /** The end user a key holder asks about (its own budgets), or null when none is named. */
  static EndUser asked(AppKey key, String id) {
    EndUserPolicy policy = key.policy().endUser();
    if (policy == null || id == null || id.isEmpty()) {
      return null;
    }
    String fault = EndUser.checkId(id);
    if (fault != null) {
      throw RequestRejectedException.invalidRequest(
          EndUserPolicy.HEADER, "The end-user id is not valid: " + fault + ".");
    }
    return new EndUser(key.id(), id, policy.budgets());
  }

  /**
   * Where a source is read on an API: the header; Anthropic's {@code metadata.user_id} on the
   * Messages API for either body source (its only end-user field); else OpenAI's own field.
   */
  static String fieldOf(EndUserPolicy.Source source, String api) {
    if (source == EndUserPolicy.Source.HEADER) {
      return EndUserPolicy.HEADER;
    }
    if (Operation.MESSAGES.equals(api)) {
      return "metadata.user_id";
    }
    return source == EndUserPolicy.Source.USER ? "user" : "safety_identifier";
  }

  private static String where(EndUserPolicy policy, String field) {
    return policy.source() == EndUserPolicy.Source.HEADER
        ? "the '" + field + "' header"
        : "'" + field + "'";
  }

  /** The value at a dotted path of the body (at most one level deep here), or null. */
  private static Object valueAt(Map<String, Object> body, String path) {
    int dot = path.indexOf('.');
    if (dot < 0) {
      return body.get(path);
    }
    Object parent = body.get(path.substring(0, dot));
    return parent instanceof Map<?, ?> object ? object.get(path.substring(dot + 1)) : null;
  }
}
