package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Responses API answer as its stream events build it: the response object the stream opened with,
 * each output item as it was added and grew (text, refusal, function-call arguments, reasoning
 * summaries), each item replaced whole once it is done, and the final response of a terminal event.
 * Lets a plain answer be served from a stream losslessly ({@code response.completed} carries the
 * whole response), and an answer Pouch cut be served as the incomplete response of what arrived.
 * Thread-safe (the reading thread feeds it; a closing thread may read it).
 */
final class ResponsesAnswer {
  private ObjectNode response; // the latest response object an event carried
  private ObjectNode terminal; // the response of response.completed/incomplete/failed
  private final Map<Integer, ObjectNode> items = new TreeMap<>();
  private long lastSequence = -1;

  /** Takes one event's data. */
  synchronized void accept(JsonNode event) {
    JsonNode sequence = event.get("sequence_number");
    if (sequence != null && sequence.canConvertToLong()) {
      lastSequence = Math.max(lastSequence, sequence.asLong());
    }
    String type = event.path("type").asText("");
    switch (type) {
      case "response.created", "response.in_progress", "response.queued" -> takeResponse(event);
      case "response.completed", "response.incomplete", "response.failed" -> {
        takeResponse(event);
        terminal = response;
      }
      case "response.output_item.added", "response.output_item.done" -> {
        if (event.get("item") instanceof ObjectNode item) {
          items.put(event.path("output_index").asInt(items.size()), item.deepCopy());
        }
      }
      case "response.content_part.added", "response.content_part.done" ->
          setIn(event, "content", event.path("content_index").asInt(), event.get("part"));
      case "response.reasoning_summary_part.added", "response.reasoning_summary_part.done" ->
          setIn(event, "summary", event.path("summary_index").asInt(), event.get("part"));
      case "response.output_text.delta", "response.reasoning_text.delta" ->
          appendIn(event, "content", event.path("content_index").asInt(), "text");
      case "response.refusal.delta" ->
          appendIn(event, "content", event.path("content_index").asInt(), "refusal");
      case "response.reasoning_summary_text.delta" ->
          appendIn(event, "summary", event.path("summary_index").asInt(), "text");
      case "response.function_call_arguments.delta", "response.mcp_call_arguments.delta" ->
          appendToItem(event, "arguments");
      case "response.custom_tool_call_input.delta" -> appendToItem(event, "input");
      default -> {} // annotations, searches, tool progress: the done item carries them
    }
  }

  private void takeResponse(JsonNode event) {
    if (event.get("response") instanceof ObjectNode given) {
      response = given;
    }
  }

  private ObjectNode item(JsonNode event) {
    return items.get(event.path("output_index").asInt(-1));
  }

  /** Sets element {@code index} of the item's array {@code field} (grown as needed). */
  private void setIn(JsonNode event, String field, int index, JsonNode value) {
    ObjectNode item = item(event);
    if (item == null || !(value instanceof ObjectNode) || index < 0 || index > 10_000) {
      return;
    }
    ArrayNode array = item.get(field) instanceof ArrayNode given ? given : item.putArray(field);
    while (array.size() <= index) {
      array.addObject();
    }
    array.set(index, value.deepCopy());
  }

  /**
   * Appends the event's {@code delta} to text {@code key} of element {@code index} of {@code
   * field}.
   */
  private void appendIn(JsonNode event, String field, int index, String key) {
    ObjectNode item = item(event);
    if (item == null || !(item.get(field) instanceof ArrayNode array)) {
      return;
    }
    if (index >= 0 && index < array.size() && array.get(index) instanceof ObjectNode part) {
      part.put(key, part.path(key).asText("") + event.path("delta").asText(""));
    }
  }

  private void appendToItem(JsonNode event, String key) {
    ObjectNode item = item(event);
    if (item != null) {
      item.put(key, item.path(key).asText("") + event.path("delta").asText(""));
    }
  }

  /** The response of the terminal event, or null if none came. */
  synchronized ObjectNode terminal() {
    return terminal;
  }

  /** The sequence number an event Pouch adds after the last one gets. */
  synchronized long nextSequence() {
    return lastSequence + 1;
  }

  /**
   * The answer as an incomplete response cut at the output limit: the response the stream opened
   * with, its output items as they arrived (those not done marked incomplete), and {@code usage}
   * (null when none is known).
   */
  synchronized ObjectNode incomplete(Usage usage) {
    ObjectNode answer =
        response == null ? OpenAiProvider.MAPPER.createObjectNode() : response.deepCopy();
    if (!answer.has("object")) {
      answer.put("object", "response");
    }
    answer.put("status", "incomplete");
    answer.putObject("incomplete_details").put("reason", "max_output_tokens");
    ArrayNode output = answer.putArray("output");
    for (ObjectNode item : items.values()) {
      ObjectNode copy = item.deepCopy();
      if (!"completed".equals(copy.path("status").asText())) {
        copy.put("status", "incomplete");
      }
      output.add(copy);
    }
    if (usage == null) {
      answer.putNull("usage");
    } else {
      answer.set("usage", usageJson(usage));
    }
    return answer;
  }

  /** Pouch's usage in the Responses API's shape. */
  private static ObjectNode usageJson(Usage usage) {
    ObjectNode json = OpenAiProvider.MAPPER.createObjectNode();
    json.put("input_tokens", usage.promptTokens());
    json.putObject("input_tokens_details").put("cached_tokens", usage.cachedPromptTokens());
    json.put("output_tokens", usage.completionTokens());
    json.putObject("output_tokens_details").put("reasoning_tokens", 0);
    json.put("total_tokens", usage.promptTokens() + usage.completionTokens());
    return json;
  }
}
