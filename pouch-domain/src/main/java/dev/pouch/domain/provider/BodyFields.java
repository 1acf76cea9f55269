package dev.pouch.domain.provider;

import dev.pouch.domain.error.RequestRejectedException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks and reads of the top-level fields every API's request shares ({@code model}, {@code
 * stream}, whole-number limits), so each request type validates them the same way and names the
 * field at fault the same way.
 */
final class BodyFields {
  private BodyFields() {}

  /** A copy of {@code body} with one top-level field set, or removed when {@code value} is null. */
  static Map<String, Object> with(Map<String, Object> body, String field, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(body);
    if (value == null) {
      copy.remove(field);
    } else {
      copy.put(field, value);
    }
    return copy;
  }

  /** The {@code model}: a non-empty string. */
  static void requireModel(Map<String, Object> body) {
    Object model = body.get("model");
    if (!(model instanceof String name) || name.isBlank()) {
      throw RequestRejectedException.invalidRequest("model", "'model' must be a non-empty string");
    }
  }

  /** An optional boolean field. */
  static void optionalBoolean(Map<String, Object> body, String field) {
    Object value = body.get(field);
    if (value != null && !(value instanceof Boolean)) {
      throw RequestRejectedException.invalidRequest(field, "'" + field + "' must be a boolean");
    }
  }

  /** An optional whole number from 1 to {@code max}. */
  static void positiveInteger(Map<String, Object> body, String field, long max) {
    Object value = body.get(field);
    if (value == null) {
      return;
    }
    Long number = integer(body, field);
    if (number == null || number < 1 || number > max) {
      throw RequestRejectedException.invalidRequest(
          field,
          "'"
              + field
              + "' must be an integer from 1"
              + (max == Long.MAX_VALUE ? "" : " to " + max));
    }
  }

  /** A whole-number field as long, or null when absent or not a whole number. */
  static Long integer(Map<String, Object> body, String field) {
    return wholeNumber(body.get(field));
  }

  /** A JSON number that is whole and fits a long, else null. */
  static Long wholeNumber(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return ((Number) value).longValue();
    }
    try {
      if (value instanceof BigInteger big) {
        return big.longValueExact();
      }
      if (value instanceof BigDecimal decimal) {
        return decimal.longValueExact();
      }
      if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
        return d.longValue();
      }
    } catch (ArithmeticException notWhole) {
      return null;
    }
    return null;
  }
}
