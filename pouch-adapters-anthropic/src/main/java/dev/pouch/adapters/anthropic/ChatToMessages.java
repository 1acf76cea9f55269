package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.UnpricedField;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A chat-completions request translated to a Messages request, for a Claude model on an {@code
 * anthropic} key: system and developer messages become {@code system}, user and assistant text and
 * images become content blocks (a base64 data URL an image block, an http(s) URL an image by URL),
 * {@code tools}, {@code tool_choice}, assistant {@code tool_calls} and {@code tool} messages become
 * Anthropic's tools, {@code tool_use} and {@code tool_result} blocks, {@code stop} becomes {@code
 * stop_sequences}, and the output limit {@code max_tokens}. Anything else cannot be sent: refused
 * with a 400 naming the field, on every key (a field dropped silently would change the answer).
 */
final class ChatToMessages {
  /** Fields translated, or carried as they are. */
  static final Set<String> TRANSLATED =
      Set.of(
          "model",
          "messages",
          "max_tokens",
          "max_completion_tokens",
          "stream",
          "stream_options",
          "temperature",
          "top_p",
          "stop",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "n",
          "user");

  /** Message fields translated; {@code name} has no counterpart and is left out. */
  private static final Set<String> MESSAGE_FIELDS =
      Set.of("role", "content", "name", "tool_calls", "tool_call_id", "refusal");

  /** What {@code max_tokens} reads before Pouch planned the limit (bounding the prompt only). */
  static final long NO_LIMIT_YET = 1;

  private final ObjectMapper json;

  ChatToMessages(ObjectMapper json) {
    this.json = json;
  }

  /**
   * The Messages request {@code chat} stands for.
   *
   * @param plannedLimit {@code max_tokens} when the client set no limit (the upstream requires
   *     one): the output cap Pouch planned, as it writes for OpenAI
   * @throws RequestRejectedException {@code INVALID_REQUEST} naming the field that cannot be
   *     translated
   */
  MessagesRequest translate(ChatRequest chat, long plannedLimit) {
    Map<String, Object> body = chat.body();
    for (Map.Entry<String, Object> field : body.entrySet()) {
      if (field.getValue() != null && !TRANSLATED.contains(field.getKey())) {
        throw refuse(field.getKey(), "Anthropic's Messages API has no counterpart of it.");
      }
    }
    if (chat.choices() > 1) {
      throw refuse("n", "Anthropic's Messages API gives one answer per request: n must be 1.");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", chat.model());
    Long limit = chat.maxOutputTokens();
    out.put("max_tokens", limit == null ? plannedLimit : limit);
    List<Map<String, Object>> system = new ArrayList<>();
    out.put("messages", messages(chat.messages(), system));
    if (!system.isEmpty()) {
      out.put("system", system);
    }
    streamOptions(body.get("stream_options"));
    if (chat.stream()) {
      out.put("stream", true);
    }
    copyNumber(body, "temperature", out);
    if (body.get("temperature") instanceof Number t && t.doubleValue() > 1) {
      throw refuse("temperature", "Anthropic's temperature ranges from 0 to 1.");
    }
    copyNumber(body, "top_p", out);
    Object stop = body.get("stop");
    if (stop instanceof String one) {
      out.put("stop_sequences", List.of(one));
    } else if (stop instanceof List<?> many) {
      for (Object sequence : many) {
        if (!(sequence instanceof String)) {
          throw refuse("stop", "'stop' must be a string or an array of strings.");
        }
      }
      if (!many.isEmpty()) {
        out.put("stop_sequences", List.copyOf(many));
      }
    } else if (stop != null) {
      throw refuse("stop", "'stop' must be a string or an array of strings.");
    }
    if (body.get("tools") != null) {
      out.put("tools", tools(body.get("tools")));
    }
    Map<String, Object> choice = toolChoice(body.get("tool_choice"));
    if (Boolean.FALSE.equals(body.get("parallel_tool_calls"))) {
      if (choice == null) {
        choice = new LinkedHashMap<>(Map.of("type", "auto"));
      }
      if (!"none".equals(choice.get("type"))) {
        choice.put("disable_parallel_tool_use", true);
      }
    } else if (body.get("parallel_tool_calls") != null
        && !(body.get("parallel_tool_calls") instanceof Boolean)) {
      throw refuse("parallel_tool_calls", "'parallel_tool_calls' must be a boolean.");
    }
    if (choice != null) {
      out.put("tool_choice", choice);
    }
    if (body.get("user") instanceof String user) {
      out.put("metadata", Map.of("user_id", user));
    } else if (body.get("user") != null) {
      throw refuse("user", "'user' must be a string.");
    }
    return MessagesRequest.of(out);
  }

  /**
   * The first part of {@code chat} a key with a budget cannot pay for: an image by http(s) URL,
   * whose size Pouch cannot see beforehand (as on {@code /v1/messages}).
   */
  static Optional<UnpricedField> unpriced(ChatRequest chat) {
    List<?> messages = chat.messages();
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) instanceof Map<?, ?> message
          && message.get("content") instanceof List<?> parts) {
        for (int j = 0; j < parts.size(); j++) {
          if (parts.get(j) instanceof Map<?, ?> part
              && "image_url".equals(part.get("type"))
              && !imageUrl(part).startsWith("data:")) {
            return Optional.of(
                new UnpricedField(
                    "messages[" + i + "].content[" + j + "]",
                    "An image by URL has a size Pouch cannot see beforehand."));
          }
        }
      }
    }
    return Optional.empty();
  }

  private static String imageUrl(Map<?, ?> part) {
    return part.get("image_url") instanceof Map<?, ?> image
            && image.get("url") instanceof String url
        ? url
        : "";
  }

  private static void streamOptions(Object options) {
    if (options instanceof Map<?, ?> map) {
      for (Object key : map.keySet()) {
        if (!"include_usage".equals(key) && map.get(key) != null) {
          throw refuse("stream_options." + key, "Anthropic's Messages API has no counterpart.");
        }
      }
    }
  }

  private static void copyNumber(Map<String, Object> body, String field, Map<String, Object> out) {
    Object value = body.get(field);
    if (value == null) {
      return;
    }
    if (!(value instanceof Number)) {
      throw refuse(field, "'" + field + "' must be a number.");
    }
    out.put(field, value);
  }

  /** The conversation as Anthropic's alternating turns; system messages collected aside. */
  private List<Map<String, Object>> messages(List<?> messages, List<Map<String, Object>> system) {
    List<Map<String, Object>> turns = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      Map<?, ?> message = (Map<?, ?>) messages.get(i);
      String at = "messages[" + i + "]";
      for (Object key : message.keySet()) {
        if (!MESSAGE_FIELDS.contains(key) && message.get(key) != null) {
          throw refuse(at + "." + key, "Anthropic's Messages API has no counterpart.");
        }
      }
      Object role = message.get("role");
      if ("system".equals(role) || "developer".equals(role)) {
        system.addAll(textBlocks(message.get("content"), at + ".content"));
      } else if ("user".equals(role)) {
        append(turns, "user", userBlocks(message.get("content"), at + ".content"));
      } else if ("assistant".equals(role)) {
        append(turns, "assistant", assistantBlocks(message, at));
      } else if ("tool".equals(role)) {
        if (!(message.get("tool_call_id") instanceof String id)) {
          throw refuse(at + ".tool_call_id", "A tool message needs its 'tool_call_id'.");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("type", "tool_result");
        result.put("tool_use_id", id);
        result.put("content", textBlocks(message.get("content"), at + ".content"));
        append(turns, "user", List.of(result));
      } else {
        throw refuse(at + ".role", "The role '" + role + "' cannot be translated.");
      }
    }
    if (turns.isEmpty()) {
      throw refuse("messages", "Anthropic needs at least one user or assistant message.");
    }
    return turns;
  }

  /** Adds blocks to the last turn when it has the same role (Anthropic's turns alternate). */
  private static void append(
      List<Map<String, Object>> turns, String role, List<Map<String, Object>> blocks) {
    Map<String, Object> last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
    if (last != null && role.equals(last.get("role"))) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> content = (List<Map<String, Object>>) last.get("content");
      content.addAll(blocks);
      return;
    }
    Map<String, Object> turn = new LinkedHashMap<>();
    turn.put("role", role);
    turn.put("content", new ArrayList<>(blocks));
    turns.add(turn);
  }

  /** Text content (a string or text parts) as text blocks; empty text left out. */
  private static List<Map<String, Object>> textBlocks(Object content, String at) {
    List<Map<String, Object>> blocks = new ArrayList<>();
    if (content == null) {
      return blocks;
    }
    if (content instanceof String text) {
      addText(blocks, text);
      return blocks;
    }
    if (!(content instanceof List<?> parts)) {
      throw refuse(at, "Content must be a string or an array of content parts.");
    }
    for (int j = 0; j < parts.size(); j++) {
      if (!(parts.get(j) instanceof Map<?, ?> part)
          || !"text".equals(part.get("type"))
          || !(part.get("text") instanceof String text)) {
        throw refuse(at + "[" + j + "]", "Only text parts can be translated here.");
      }
      addText(blocks, text);
    }
    return blocks;
  }

  private static void addText(List<Map<String, Object>> blocks, String text) {
    if (!text.isEmpty()) {
      Map<String, Object> block = new LinkedHashMap<>();
      block.put("type", "text");
      block.put("text", text);
      blocks.add(block);
    }
  }

  private static List<Map<String, Object>> userBlocks(Object content, String at) {
    if (!(content instanceof List<?> parts)) {
      return textBlocks(content, at);
    }
    List<Map<String, Object>> blocks = new ArrayList<>();
    for (int j = 0; j < parts.size(); j++) {
      String partAt = at + "[" + j + "]";
      if (parts.get(j) instanceof Map<?, ?> part && "image_url".equals(part.get("type"))) {
        blocks.add(image(imageUrl(part), partAt));
      } else {
        if (!(parts.get(j) instanceof Map<?, ?> part)
            || !"text".equals(part.get("type"))
            || !(part.get("text") instanceof String text)) {
          throw refuse(partAt, "Only text and image parts can be translated.");
        }
        addText(blocks, text);
      }
    }
    return blocks;
  }

  /** A data URL as a base64 image block, an http(s) URL as an image by URL. */
  private static Map<String, Object> image(String url, String at) {
    Map<String, Object> source = new LinkedHashMap<>();
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String meta = comma < 0 ? "" : url.substring(5, comma);
      if (!meta.endsWith(";base64") || !meta.startsWith("image/")) {
        throw refuse(at, "An image data URL must be 'data:image/…;base64,…'.");
      }
      source.put("type", "base64");
      source.put("media_type", meta.substring(0, meta.length() - ";base64".length()));
      source.put("data", url.substring(comma + 1));
    } else if (url.startsWith("https://") || url.startsWith("http://")) {
      source.put("type", "url");
      source.put("url", url);
    } else {
      throw refuse(at, "An image must be a base64 data URL or an http(s) URL.");
    }
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("type", "image");
    block.put("source", source);
    return block;
  }

  private List<Map<String, Object>> assistantBlocks(Map<?, ?> message, String at) {
    if (message.get("refusal") != null) {
      throw refuse(at + ".refusal", "A refusal cannot be translated.");
    }
    List<Map<String, Object>> blocks = textBlocks(message.get("content"), at + ".content");
    Object calls = message.get("tool_calls");
    if (calls == null) {
      return blocks;
    }
    if (!(calls instanceof List<?> list)) {
      throw refuse(at + ".tool_calls", "'tool_calls' must be an array.");
    }
    for (int k = 0; k < list.size(); k++) {
      String callAt = at + ".tool_calls[" + k + "]";
      if (!(list.get(k) instanceof Map<?, ?> call)
          || !"function".equals(call.get("type"))
          || !(call.get("id") instanceof String id)
          || !(call.get("function") instanceof Map<?, ?> function)
          || !(function.get("name") instanceof String name)) {
        throw refuse(callAt, "Only function calls with an id and a name can be translated.");
      }
      Map<String, Object> use = new LinkedHashMap<>();
      use.put("type", "tool_use");
      use.put("id", id);
      use.put("name", name);
      use.put("input", arguments(function.get("arguments"), callAt + ".function.arguments"));
      blocks.add(use);
    }
    return blocks;
  }

  /** A call's JSON-string arguments as the object Anthropic's {@code input} is. */
  private Object arguments(Object arguments, String at) {
    if (arguments == null || "".equals(arguments)) {
      return Map.of();
    }
    if (arguments instanceof String text) {
      try {
        Object parsed = json.readValue(text, Object.class);
        if (parsed instanceof Map<?, ?>) {
          return parsed;
        }
      } catch (JsonProcessingException notJson) {
        // refused below
      }
    }
    throw refuse(at, "A tool call's arguments must be a JSON object, as a string.");
  }

  private static List<Map<String, Object>> tools(Object tools) {
    if (!(tools instanceof List<?> list)) {
      throw refuse("tools", "'tools' must be an array.");
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "tools[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> tool)
          || !"function".equals(tool.get("type"))
          || !(tool.get("function") instanceof Map<?, ?> function)
          || !(function.get("name") instanceof String name)) {
        throw refuse(at, "Only function tools with a name can be translated.");
      }
      if (Boolean.TRUE.equals(function.get("strict"))) {
        throw refuse(at + ".function.strict", "Strict function schemas cannot be translated.");
      }
      Map<String, Object> translated = new LinkedHashMap<>();
      translated.put("name", name);
      if (function.get("description") instanceof String description) {
        translated.put("description", description);
      }
      Object schema = function.get("parameters");
      translated.put(
          "input_schema",
          schema instanceof Map<?, ?> ? schema : Map.of("type", "object", "properties", Map.of()));
      out.add(translated);
    }
    return out;
  }

  private static Map<String, Object> toolChoice(Object choice) {
    if (choice == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if ("auto".equals(choice)) {
      out.put("type", "auto");
    } else if ("none".equals(choice)) {
      out.put("type", "none");
    } else if ("required".equals(choice)) {
      out.put("type", "any");
    } else if (choice instanceof Map<?, ?> named
        && "function".equals(named.get("type"))
        && named.get("function") instanceof Map<?, ?> function
        && function.get("name") instanceof String name) {
      out.put("type", "tool");
      out.put("name", name);
    } else {
      throw refuse(
          "tool_choice", "Only 'auto', 'none', 'required' or a named function can be translated.");
    }
    return out;
  }

  private static RequestRejectedException refuse(String field, String reason) {
    return RequestRejectedException.invalidRequest(
        field, "'" + field + "' cannot be translated for a Claude model: " + reason);
  }
}
