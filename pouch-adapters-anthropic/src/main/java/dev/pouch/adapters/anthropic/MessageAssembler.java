package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.provider.AnswerAssembler;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds the plain {@code message} a client asked for from the events of the stream Pouch asked
 * the upstream for, losslessly: {@code message_start}'s message is the base; each content block is
 * its {@code content_block_start} object with its deltas applied (text and thinking appended, a
 * {@code signature} set, a citation added, a tool's {@code input} parsed from its {@code
 * input_json_delta}s, any other delta field appended when text, else set); {@code message_delta}'s
 * fields ({@code stop_reason}, {@code stop_sequence} …) and usage are merged in. Framing only: the
 * stream it reads ({@link MessagesStream#lastEvent()}) is metered by the core.
 */
final class MessageAssembler implements AnswerAssembler {
  private final ObjectMapper json;
  private final MessagesStream stream;
  private ObjectNode message;
  private final Map<Integer, ObjectNode> blocks = new TreeMap<>();
  private final Map<Integer, StringBuilder> toolInputs = new TreeMap<>();

  MessageAssembler(ObjectMapper json, MessagesStream stream) {
    this.json = json;
    this.stream = stream;
  }

  @Override
  public void accept(byte[] chunk) {
    JsonNode event = stream.lastEvent();
    if (event != null) {
      apply(event);
    }
  }

  /** Applies one event's data. */
  void apply(JsonNode event) {
    switch (event.path("type").asText("")) {
      case "message_start":
        message =
            event.path("message").isObject()
                ? (ObjectNode) event.get("message").deepCopy()
                : json.createObjectNode();
        break;
      case "content_block_start":
        if (event.path("content_block").isObject()) {
          int index = event.path("index").asInt();
          ObjectNode block = (ObjectNode) event.get("content_block").deepCopy();
          blocks.put(index, block);
          if (block.has("input") && isTool(block)) {
            toolInputs.put(index, new StringBuilder());
          }
        }
        break;
      case "content_block_delta":
        delta(event.path("index").asInt(), event.path("delta"));
        break;
      case "content_block_stop":
        finishTool(event.path("index").asInt(), true);
        break;
      case "message_delta":
        if (message == null) {
          message = json.createObjectNode();
        }
        if (event.path("delta").isObject()) {
          message.setAll((ObjectNode) event.get("delta"));
        }
        if (event.path("usage").isObject()) {
          JsonNode usage = message.path("usage");
          ObjectNode merged = usage.isObject() ? (ObjectNode) usage : message.putObject("usage");
          merged.setAll((ObjectNode) event.get("usage"));
        }
        break;
      default:
        break;
    }
  }

  private static boolean isTool(ObjectNode block) {
    String type = block.path("type").asText("");
    return type.endsWith("tool_use");
  }

  private void delta(int index, JsonNode delta) {
    ObjectNode block = blocks.computeIfAbsent(index, i -> json.createObjectNode());
    String type = delta.path("type").asText("");
    if ("input_json_delta".equals(type)) {
      toolInputs
          .computeIfAbsent(index, i -> new StringBuilder())
          .append(delta.path("partial_json").asText(""));
      return;
    }
    if ("citations_delta".equals(type)) {
      JsonNode citations = block.get("citations");
      ArrayNode list =
          citations != null && citations.isArray()
              ? (ArrayNode) citations
              : block.putArray("citations");
      list.add(delta.path("citation"));
      return;
    }
    if ("signature_delta".equals(type)) {
      block.set("signature", delta.path("signature"));
      return;
    }
    for (Map.Entry<String, JsonNode> field : delta.properties()) {
      if ("type".equals(field.getKey())) {
        continue;
      }
      JsonNode before = block.get(field.getKey());
      if (field.getValue().isTextual() && before != null && before.isTextual()) {
        block.put(field.getKey(), before.asText() + field.getValue().asText());
      } else {
        block.set(field.getKey(), field.getValue());
      }
    }
  }

  /**
   * Parses a tool block's input from its deltas. A complete block's input that is not JSON is kept
   * as text; a block cut before its end whose input is not JSON yet is dropped ({@code complete}
   * false): an incomplete call cannot be run.
   */
  private boolean finishTool(int index, boolean complete) {
    StringBuilder input = toolInputs.remove(index);
    if (input == null) {
      return true;
    }
    ObjectNode block = blocks.get(index);
    if (input.length() == 0) {
      return true; // the input came whole in content_block_start
    }
    try {
      block.set("input", json.readTree(input.toString()));
      return true;
    } catch (JsonProcessingException notJson) {
      if (complete) {
        block.put("input", input.toString());
      }
      return complete;
    }
  }

  @Override
  public byte[] answer(boolean cut) {
    ObjectNode answer = message == null ? json.createObjectNode() : message.deepCopy();
    for (Integer index : toolInputs.keySet().toArray(new Integer[0])) {
      if (!finishTool(index, false)) {
        blocks.remove(index);
      }
    }
    ArrayNode content = answer.putArray("content");
    blocks.values().forEach(content::add);
    if (cut) {
      answer.put("stop_reason", "max_tokens");
      answer.putNull("stop_sequence");
    }
    try {
      return json.writeValueAsBytes(answer);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  @Override
  public byte[] failure(String message) {
    return AnthropicErrorJson.body("api_error", message);
  }
}
