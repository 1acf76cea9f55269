package dev.pouch.application.proxy;

import dev.pouch.domain.error.ErrorJson;

/** The little JSON the application writes itself (error bodies, SSE error events, notices). */
public final class Json {
  private Json() {}

  /**
   * Writes maps (string keys, in their order), lists, strings, whole numbers, {@link
   * java.math.BigDecimal}s, booleans and nulls; anything else is written as its string.
   */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null
        || value instanceof Boolean
        || value instanceof Long
        || value instanceof Integer
        || value instanceof java.math.BigDecimal) {
      out.append(value instanceof java.math.BigDecimal d ? d.toPlainString() : value);
    } else if (value instanceof java.util.Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (java.util.Map.Entry<?, ?> entry : map.entrySet()) {
        out.append(first ? "" : ",").append(quote(String.valueOf(entry.getKey()))).append(':');
        write(entry.getValue(), out);
        first = false;
      }
      out.append('}');
    } else if (value instanceof java.util.List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        out.append(i == 0 ? "" : ",");
        write(list.get(i), out);
      }
      out.append(']');
    } else {
      out.append(quote(value.toString()));
    }
  }

  /** {@code value} as a JSON string literal, quotes included; {@code null} as {@code null}. */
  public static String quote(String value) {
    return ErrorJson.quote(value);
  }
}
