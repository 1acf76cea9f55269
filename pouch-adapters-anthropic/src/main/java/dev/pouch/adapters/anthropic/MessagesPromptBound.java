package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.provider.MessagesRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An upper bound of the input tokens Anthropic can bill for a Messages request, without a tokenizer
 * (Anthropic publishes none): the UTF-8 bytes of the request's JSON, with each base64 image's data
 * left out and counted as {@link #IMAGE_TOKENS} instead, plus fixed overheads for the framing
 * Anthropic adds around each message and content block and for the system prompt it adds when tools
 * are given. Why it is an upper bound: docs/PRICES.md ("Anthropic's prompt bound").
 */
final class MessagesPromptBound {
  /** Framing around the whole prompt. */
  static final long BASE_TOKENS = 64;

  /** Framing around each message (role markers). */
  static final long PER_MESSAGE_TOKENS = 16;

  /** Framing around each content block. */
  static final long PER_BLOCK_TOKENS = 16;

  /**
   * The tool-use system prompt Anthropic adds when tools are given (documented at 313–530 tokens
   * depending on the model and {@code tool_choice}), doubled for models it has not listed.
   */
  static final long TOOLS_SYSTEM_TOKENS = 1_100;

  /** Framing around each tool definition. */
  static final long PER_TOOL_TOKENS = 64;

  /**
   * One image, whatever its bytes: Anthropic scales images down to its size limits before it counts
   * them (tokens ≈ width × height / 750, at most about 1,600 for most models and 4,800 for the
   * high-resolution ones), so the largest image costs a bounded number of tokens.
   */
  static final long IMAGE_TOKENS = 10_000;

  private final ObjectMapper json;

  MessagesPromptBound(ObjectMapper json) {
    this.json = json;
  }

  /** The bound; saturates at {@link Long#MAX_VALUE}, never wraps. */
  long of(MessagesRequest request) {
    Counts counts = new Counts();
    Object stripped = strip(request.body(), counts, 0);
    long bytes;
    try {
      bytes = json.writeValueAsBytes(stripped).length;
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
    long bound = BASE_TOKENS + bytes;
    Object messages = request.body().get("messages");
    if (messages instanceof List<?> list) {
      bound = add(bound, multiply(PER_MESSAGE_TOKENS, list.size()));
    }
    bound = add(bound, multiply(PER_BLOCK_TOKENS, counts.blocks));
    bound = add(bound, multiply(IMAGE_TOKENS, counts.images));
    if (request.body().get("tools") instanceof List<?> tools && !tools.isEmpty()) {
      bound = add(bound, TOOLS_SYSTEM_TOKENS);
      bound = add(bound, multiply(PER_TOOL_TOKENS, tools.size()));
    }
    return bound;
  }

  private static final class Counts {
    long blocks;
    long images;
  }

  /** A copy of the tree with base64 image data left out (counted), and blocks counted. */
  private static Object strip(Object node, Counts counts, int depth) {
    if (node instanceof Map<?, ?> map) {
      Object type = map.get("type");
      if (type instanceof String && depth > 0) {
        counts.blocks++;
      }
      if ("image".equals(type)
          && map.get("source") instanceof Map<?, ?> source
          && "base64".equals(source.get("type"))) {
        counts.images++;
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(String.valueOf(key), value));
        Map<String, Object> sourceCopy = new LinkedHashMap<>();
        source.forEach((key, value) -> sourceCopy.put(String.valueOf(key), value));
        sourceCopy.remove("data");
        copy.put("source", sourceCopy);
        return copy;
      }
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((key, value) -> copy.put(String.valueOf(key), strip(value, counts, depth + 1)));
      return copy;
    }
    if (node instanceof List<?> list) {
      return list.stream().map(value -> strip(value, counts, depth + 1)).toList();
    }
    return node;
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static long multiply(long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException tooMany) {
      return Long.MAX_VALUE;
    }
  }
}
