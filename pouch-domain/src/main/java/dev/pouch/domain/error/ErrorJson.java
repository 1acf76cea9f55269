package dev.pouch.domain.error;

import java.nio.charset.StandardCharsets;

/**
 * OpenAI's error shape {@code {"error":{"message","type","code","param"}}}, written: the one place
 * that writes it. In the domain so that a provider (which depends on the domain only) writes its
 * upstream errors the same way; the application's {@code ErrorResponses} maps codes to types and
 * builds responses on it.
 */
public final class ErrorJson {
  private ErrorJson() {}

  /**
   * The error object.
   *
   * @param type OpenAI's error type
   * @param code the error code, or {@code null}
   * @param param the request field at fault, or {@code null}
   */
  public static String body(String message, String type, String code, String param) {
    return "{\"error\":{\"message\":"
        + quote(message)
        + ",\"type\":"
        + quote(type)
        + ",\"code\":"
        + quote(code)
        + ",\"param\":"
        + quote(param)
        + "}}";
  }

  /**
   * The body of an error a provider answers for its upstream (a redirect not followed, a stream
   * that broke off): type and code {@code upstream_error}.
   */
  public static byte[] upstreamError(String message) {
    return upstreamBody(message).getBytes(StandardCharsets.UTF_8);
  }

  /** {@link #upstreamError} as the event a stream ends with when its upstream broke off. */
  public static byte[] upstreamErrorEvent(String message) {
    return event(upstreamBody(message));
  }

  private static String upstreamBody(String message) {
    return body(message, "upstream_error", "upstream_error", null);
  }

  /** A server-sent event carrying an error object, as a stream ends with when it cannot go on. */
  public static byte[] event(String errorJson) {
    return ("data: " + errorJson + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The Responses API's error event, as its streams end when they cannot go on: {@code event:
   * error} with {@code {"type":"error","code","message","param":null,"sequence_number"}}.
   *
   * @param sequenceNumber the event's place in its stream, or a negative number when unknown (the
   *     field is then left out)
   */
  public static byte[] responsesErrorEvent(String code, String message, long sequenceNumber) {
    return ("event: error\ndata: {\"type\":\"error\",\"code\":"
            + quote(code)
            + ",\"message\":"
            + quote(message)
            + ",\"param\":null"
            + (sequenceNumber < 0 ? "" : ",\"sequence_number\":" + sequenceNumber)
            + "}\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** {@code value} as a JSON string literal, quotes included; {@code null} as {@code null}. */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
