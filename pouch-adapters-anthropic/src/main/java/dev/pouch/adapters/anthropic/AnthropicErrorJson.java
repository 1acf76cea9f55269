package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** Anthropic's error shape, for the errors this adapter writes itself (in a stream or a body). */
final class AnthropicErrorJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AnthropicErrorJson() {}

  /** {@code {"type":"error","error":{"type":…,"message":…}}}. */
  static byte[] body(String type, String message) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", "error");
    ObjectNode error = root.putObject("error");
    error.put("type", type);
    error.put("message", message);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The same as a stream's {@code error} event. */
  static byte[] event(String type, String message) {
    return ("event: error\ndata: "
            + new String(body(type, message), StandardCharsets.UTF_8)
            + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
