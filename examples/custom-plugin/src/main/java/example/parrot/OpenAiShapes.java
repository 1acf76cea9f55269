package example.parrot;

import dev.pouch.domain.budget.Usage;
import java.nio.charset.StandardCharsets;

/** The OpenAI JSON a provider must hand back to Pouch's clients, written by hand (no library). */
final class OpenAiShapes {
  private OpenAiShapes() {}

  /** A {@code chat.completion} with one choice. */
  static byte[] completion(String id, String model, String content, String finish, Usage usage) {
    return ("{\"id\":"
            + quote(id)
            + ",\"object\":\"chat.completion\",\"created\":0,\"model\":"
            + quote(model)
            + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + quote(content)
            + "},\"finish_reason\":"
            + quote(finish)
            + "}],\"usage\":"
            + usage(usage)
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** One SSE event of a {@code chat.completion.chunk}: a content delta, or the finish reason. */
  static byte[] chunk(String id, String model, String content, String finish) {
    String delta = content == null ? "{}" : "{\"content\":" + quote(content) + "}";
    return event(
        "{\"id\":"
            + quote(id)
            + ",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":"
            + quote(model)
            + ",\"choices\":[{\"index\":0,\"delta\":"
            + delta
            + ",\"finish_reason\":"
            + quote(finish)
            + "}]}");
  }

  /** The usage chunk OpenAI sends last when a client asked for {@code include_usage}. */
  static byte[] usageChunk(String id, String model, Usage usage) {
    return event(
        "{\"id\":"
            + quote(id)
            + ",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":"
            + quote(model)
            + ",\"choices\":[],\"usage\":"
            + usage(usage)
            + "}");
  }

  static byte[] done() {
    return "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
  }

  /** An error body in OpenAI's shape. */
  static String error(String message, String type) {
    return "{\"error\":{\"message\":"
        + quote(message)
        + ",\"type\":"
        + quote(type)
        + ",\"code\":null,\"param\":null}}";
  }

  static byte[] event(String json) {
    return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static String usage(Usage usage) {
    long total = usage.promptTokens() + usage.completionTokens();
    return "{\"prompt_tokens\":"
        + usage.promptTokens()
        + ",\"completion_tokens\":"
        + usage.completionTokens()
        + ",\"total_tokens\":"
        + total
        + "}";
  }

  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
