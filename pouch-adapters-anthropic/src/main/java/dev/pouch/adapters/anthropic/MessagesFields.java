package dev.pouch.adapters.anthropic;

import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.UnpricedField;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each field of a Messages request means for the bill (D27), for keys with a budget: bounded
 * by the prompt bound or by {@code max_tokens}, or refused because Pouch cannot price or bound it —
 * server tools with per-use fees or fetched content (web search, web fetch, code execution …), MCP
 * servers, containers, images by URL or file id, PDFs, priced-up modes ({@code speed}, {@code
 * inference_geo}), and any field or content block type it does not know.
 */
final class MessagesFields {
  /** Top-level fields whose cost the prompt bound and {@code max_tokens} cover. */
  static final Set<String> BOUNDED =
      Set.of(
          "model",
          "messages",
          "system",
          "max_tokens",
          "stream",
          "metadata",
          "stop_sequences",
          "temperature",
          "top_p",
          "top_k",
          "tools",
          "tool_choice",
          "thinking",
          "service_tier",
          "output_config",
          "output_format");

  /** Content block types whose tokens the bound counts as the bytes of their JSON. */
  static final Set<String> TEXT_BLOCKS =
      Set.of("text", "tool_use", "tool_result", "thinking", "redacted_thinking", "search_result");

  private MessagesFields() {}

  /** The first field of {@code request} Pouch cannot price, or empty. */
  static Optional<UnpricedField> unpriced(MessagesRequest request) {
    Map<String, Object> body = request.body();
    for (String field : body.keySet()) {
      if (!BOUNDED.contains(field)) {
        return refuse(
            field,
            "The field '" + field + "' may bill beyond what Pouch can bound before the request.");
      }
    }
    if (body.get("tools") instanceof List<?> tools) {
      for (int i = 0; i < tools.size(); i++) {
        if (tools.get(i) instanceof Map<?, ?> tool
            && tool.get("type") != null
            && !"custom".equals(tool.get("type"))) {
          return refuse(
              "tools[" + i + "]",
              "The tool '"
                  + tool.get("type")
                  + "' is a server tool: it bills per use or adds fetched content, which Pouch"
                  + " cannot bound.");
        }
      }
    }
    if (body.get("system") instanceof List<?> system) {
      Optional<UnpricedField> found = blocks(system, "system");
      if (found.isPresent()) {
        return found;
      }
    }
    if (body.get("messages") instanceof List<?> messages) {
      for (int i = 0; i < messages.size(); i++) {
        if (messages.get(i) instanceof Map<?, ?> message
            && message.get("content") instanceof List<?> content) {
          Optional<UnpricedField> found = blocks(content, "messages[" + i + "].content");
          if (found.isPresent()) {
            return found;
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<UnpricedField> blocks(List<?> blocks, String path) {
    for (int j = 0; j < blocks.size(); j++) {
      String at = path + "[" + j + "]";
      if (!(blocks.get(j) instanceof Map<?, ?> block)) {
        continue; // the upstream refuses a malformed block (a 400, refunded)
      }
      Object type = block.get("type");
      if ("image".equals(type)) {
        if (!(block.get("source") instanceof Map<?, ?> source)
            || !"base64".equals(source.get("type"))) {
          return refuse(at, "An image by URL or file id has a size Pouch cannot see beforehand.");
        }
      } else if ("document".equals(type)) {
        if (!(block.get("source") instanceof Map<?, ?> source)
            || !("text".equals(source.get("type")) || "content".equals(source.get("type")))) {
          return refuse(
              at, "A PDF, or a document by URL or file id, has a size Pouch cannot bound.");
        }
      } else if (!TEXT_BLOCKS.contains(type)) {
        return refuse(at, "The content block type '" + type + "' cannot be priced by Pouch.");
      }
      if ("tool_result".equals(type) && block.get("content") instanceof List<?> nested) {
        Optional<UnpricedField> found = blocks(nested, at + ".content");
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<UnpricedField> refuse(String field, String reason) {
    return Optional.of(new UnpricedField(field, reason));
  }
}
