package dev.pouch.adapters.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** OpenAI wire-format helpers shared by the mock provider and the fake upstream. */
public final class OpenAiJson {
  /** The shared, thread-safe mapper. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  /** The event that ends an OpenAI stream. */
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private OpenAiJson() {}

  /** {@code data: [DONE]\n\n}, as a fresh array. */
  public static byte[] doneEvent() {
    return DONE.clone();
  }

  /** {@code data: <json>\n\n}. */
  public static byte[] sseEvent(JsonNode json) {
    byte[] payload = bytes(json);
    byte[] event = new byte[payload.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(payload, 0, event, 6, payload.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }

  /** {@code event: <type>\ndata: <json>\n\n}: a named event, as the Responses API sends them. */
  public static byte[] namedEvent(String type, JsonNode json) {
    byte[] name = ("event: " + type + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] data = sseEvent(json);
    byte[] event = new byte[name.length + data.length];
    System.arraycopy(name, 0, event, 0, name.length);
    System.arraycopy(data, 0, event, name.length, data.length);
    return event;
  }

  /**
   * OpenAI's error object: {@code {"error":{"message","type","param","code"}}}.
   *
   * @param code the error code, or {@code null}
   * @param param the request field at fault, or {@code null}
   */
  public static ObjectNode error(String message, String type, String code, String param) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    return root;
  }

  /** Serialises a JSON tree to UTF-8 bytes. */
  public static byte[] bytes(JsonNode json) {
    try {
      return MAPPER.writeValueAsBytes(json);
    } catch (JsonProcessingException impossible) {
      throw new UncheckedIOException(impossible);
    }
  }
}
