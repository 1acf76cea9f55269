package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Messages answer in chat-completions' words: a {@code message} becomes a {@code chat.completion}
 * (its text the content, its {@code tool_use} blocks {@code tool_calls} with JSON-string
 * arguments), a {@code stop_reason} a {@code finish_reason}, Anthropic's usage OpenAI's ({@code
 * prompt_tokens} = input + cache reads + cache writes, as OpenAI counts every prompt token there).
 * Thinking blocks have no place in a chat completion and are left out.
 */
final class ChatAnswers {
  private ChatAnswers() {}

  /** {@code end_turn}/{@code stop_sequence} → stop, {@code max_tokens} → length, … */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    switch (stopReason) {
      case "max_tokens":
      case "model_context_window_exceeded":
        return "length";
      case "tool_use":
        return "tool_calls";
      case "refusal":
        return "content_filter";
      default:
        return "stop"; // end_turn, stop_sequence, pause_turn
    }
  }

  /** OpenAI's usage object from Anthropic's. */
  static ObjectNode usage(ObjectMapper json, JsonNode usage) {
    long input = usage.path("input_tokens").asLong(0);
    long read = usage.path("cache_read_input_tokens").asLong(0);
    long written = usage.path("cache_creation_input_tokens").asLong(0);
    long output = usage.path("output_tokens").asLong(0);
    ObjectNode out = json.createObjectNode();
    out.put("prompt_tokens", input + read + written);
    out.put("completion_tokens", output);
    out.put("total_tokens", input + read + written + output);
    out.putObject("prompt_tokens_details").put("cached_tokens", read);
    return out;
  }

  /** The {@code chat.completion} a whole {@code message} is. */
  static ObjectNode completion(ObjectMapper json, JsonNode message, long created) {
    ObjectNode out = json.createObjectNode();
    out.put("id", message.path("id").asText("msg"));
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", message.path("model").asText(""));
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode reply = choice.putObject("message");
    reply.put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = json.createArrayNode();
    for (JsonNode block : message.path("content")) {
      String type = block.path("type").asText("");
      if ("text".equals(type)) {
        text.append(block.path("text").asText(""));
      } else if ("tool_use".equals(type)) {
        ObjectNode call = calls.addObject();
        call.put("id", block.path("id").asText(""));
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", block.path("name").asText(""));
        JsonNode input = block.path("input");
        function.put("arguments", input.isTextual() ? input.asText() : input.toString());
      }
    }
    if (text.length() > 0 || calls.isEmpty()) {
      reply.put("content", text.toString());
    } else {
      reply.putNull("content");
    }
    reply.putNull("refusal");
    if (!calls.isEmpty()) {
      reply.set("tool_calls", calls);
    }
    choice.putNull("logprobs");
    String reason = finishReason(message.path("stop_reason").asText(null));
    choice.put("finish_reason", reason == null ? "stop" : reason);
    out.set("usage", usage(json, message.path("usage")));
    return out;
  }
}
