package dev.pouch.adapters.mock;

import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.ResponsesRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The mock's deterministic token rule. A text's tokens are its words: maximal runs of
 * non-whitespace characters. A request's prompt tokens are {@code 3 + Σ over messages (4 + words of
 * every string value anywhere inside the message, role included) + words of every string value
 * inside tools and functions} (a Responses request: see {@link #promptTokens(ResponsesRequest)}).
 * The mock both estimates and reports this number, so the estimate always equals the usage.
 */
public final class MockTokens {
  /** Tokens every request costs (reply priming). */
  public static final long PER_REQUEST = 3;

  /** Tokens every message costs on top of its strings (message framing). */
  public static final long PER_MESSAGE = 4;

  private MockTokens() {}

  /** Number of words (maximal runs of non-whitespace characters) in {@code text}. */
  public static long count(String text) {
    long words = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      boolean space = Character.isWhitespace(codePoint);
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
      i += Character.charCount(codePoint);
    }
    return words;
  }

  /** The words of {@code text}, in order. */
  public static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      boolean space = Character.isWhitespace(codePoint);
      if (space && start >= 0) {
        words.add(text.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
      i += Character.charCount(codePoint);
    }
    if (start >= 0) {
      words.add(text.substring(start));
    }
    return words;
  }

  /** Prompt tokens of {@code request} by the rule above. */
  public static long promptTokens(ChatRequest request) {
    long tokens = PER_REQUEST;
    for (Object message : request.messages()) {
      tokens += PER_MESSAGE + stringTokens(message);
    }
    return tokens
        + stringTokens(request.body().get("tools"))
        + stringTokens(request.body().get("functions"));
  }

  /**
   * Prompt tokens of a Responses API request by the same rule: the instructions count as a message,
   * so does a string input and each input item.
   */
  public static long promptTokens(ResponsesRequest request) {
    long tokens = PER_REQUEST;
    if (request.instructions() != null) {
      tokens += PER_MESSAGE + count(request.instructions());
    }
    Object input = request.input();
    if (input instanceof String text) {
      tokens += PER_MESSAGE + count(text);
    } else if (input instanceof List<?> items) {
      for (Object item : items) {
        tokens += PER_MESSAGE + stringTokens(item);
      }
    }
    return tokens + stringTokens(request.body().get("tools"));
  }

  /**
   * Prompt tokens of an Anthropic Messages request by the same rule: the system prompt counts as a
   * message, so does each message.
   */
  public static long promptTokens(MessagesRequest request) {
    long tokens = PER_REQUEST;
    Object system = request.body().get("system");
    if (system != null) {
      tokens += PER_MESSAGE + stringTokens(system);
    }
    Object messages = request.body().get("messages");
    if (messages instanceof List<?> list) {
      for (Object message : list) {
        tokens += PER_MESSAGE + stringTokens(message);
      }
    }
    return tokens + stringTokens(request.body().get("tools"));
  }

  /** Words of every string value found recursively inside a JSON tree (keys are not counted). */
  static long stringTokens(Object node) {
    if (node instanceof String text) {
      return count(text);
    }
    long tokens = 0;
    if (node instanceof Map<?, ?> map) {
      for (Object value : map.values()) {
        tokens += stringTokens(value);
      }
    } else if (node instanceof Iterable<?> list) {
      for (Object value : list) {
        tokens += stringTokens(value);
      }
    }
    return tokens;
  }
}
