package dev.pouch.domain.provider;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An embeddings request ({@code POST /v1/embeddings}) as a JSON tree. It produces no output tokens:
 * its cost is its input, billed per token. {@code input} is a string, an array of strings, a token
 * array, or an array of token arrays; {@code dimensions}, {@code encoding_format} and any other
 * field pass through untouched.
 */
public final class EmbeddingsRequest implements Operation {
  /** Most inputs in one request (OpenAI's limit). */
  public static final int MAX_INPUTS = 2048;

  private final Map<String, Object> body;

  private EmbeddingsRequest(Map<String, Object> body) {
    this.body = Collections.unmodifiableMap(body);
  }

  /**
   * Checks the fields Pouch relies on and wraps the body.
   *
   * @throws RequestRejectedException {@code INVALID_REQUEST} naming the field at fault
   */
  public static EmbeddingsRequest of(Map<String, Object> body) {
    Objects.requireNonNull(body, "body");
    BodyFields.requireModel(body);
    if (Boolean.TRUE.equals(body.get("stream"))) {
      throw RequestRejectedException.invalidRequest(
          "stream", "Embeddings are not streamed: remove 'stream'.");
    }
    checkInput(body.get("input"));
    BodyFields.positiveInteger(body, "dimensions", Integer.MAX_VALUE);
    Object format = body.get("encoding_format");
    if (format != null && !"float".equals(format) && !"base64".equals(format)) {
      throw RequestRejectedException.invalidRequest(
          "encoding_format", "'encoding_format' must be 'float' or 'base64'");
    }
    return new EmbeddingsRequest(new LinkedHashMap<>(body));
  }

  /** The embeddings request an operation is; see {@link ChatRequest#of(Operation)}. */
  public static EmbeddingsRequest of(Operation operation) {
    if (operation instanceof EmbeddingsRequest embeddings) {
      return embeddings;
    }
    throw new IllegalArgumentException("not an embeddings request: " + operation.api());
  }

  private static void checkInput(Object input) {
    if (input instanceof String text) {
      requireText(text);
      return;
    }
    if (!(input instanceof List<?> list) || list.isEmpty()) {
      throw invalidInput(
          "'input' must be a string, an array of strings, a token array or an array of token"
              + " arrays, and not empty");
    }
    if (list.size() > MAX_INPUTS) {
      throw invalidInput("'input' holds at most " + MAX_INPUTS + " entries");
    }
    if (list.get(0) instanceof String) {
      for (Object entry : list) {
        if (!(entry instanceof String text)) {
          throw invalidInput("every entry of 'input' must be a string, as the first one is");
        }
        requireText(text);
      }
    } else if (list.get(0) instanceof List<?>) {
      for (Object entry : list) {
        if (!(entry instanceof List<?> tokens) || tokens.isEmpty()) {
          throw invalidInput("every entry of 'input' must be a non-empty token array");
        }
        requireTokens(tokens);
      }
    } else {
      requireTokens(list);
    }
  }

  private static void requireText(String text) {
    if (text.isEmpty()) {
      throw invalidInput("'input' cannot hold an empty string");
    }
  }

  private static void requireTokens(List<?> tokens) {
    for (Object token : tokens) {
      Long id = BodyFields.wholeNumber(token);
      if (id == null || id < 0 || id > Integer.MAX_VALUE) {
        throw invalidInput("a token array must hold token ids: whole numbers from 0");
      }
    }
  }

  private static RequestRejectedException invalidInput(String message) {
    return RequestRejectedException.invalidRequest("input", message);
  }

  @Override
  public String api() {
    return EMBEDDINGS;
  }

  @Override
  public String model() {
    return (String) body.get("model");
  }

  /** Never: embeddings are answered whole. */
  @Override
  public boolean stream() {
    return false;
  }

  @Override
  public int choices() {
    return 1;
  }

  /** 0: embeddings bill no output tokens. */
  @Override
  public Long maxOutputTokens() {
    return 0L;
  }

  @Override
  public boolean hasOutputLimit() {
    return false;
  }

  @Override
  public EmbeddingsRequest withModel(String model) {
    return new EmbeddingsRequest(
        BodyFields.with(body, "model", Objects.requireNonNull(model, "model")));
  }

  /** Itself: there is no output to limit. */
  @Override
  public EmbeddingsRequest withMaxOutputTokens(long tokens) {
    return this;
  }

  /**
   * The inputs, each a string or a token array (a list of whole numbers): a single string or token
   * array is one input.
   */
  public List<?> inputs() {
    Object input = body.get("input");
    if (input instanceof String) {
      return List.of(input);
    }
    List<?> list = (List<?>) input;
    return list.get(0) instanceof String || list.get(0) instanceof List<?> ? list : List.of(list);
  }

  @Override
  public Map<String, Object> body() {
    return body;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof EmbeddingsRequest that && body.equals(that.body);
  }

  @Override
  public int hashCode() {
    return body.hashCode();
  }

  @Override
  public String toString() {
    return "EmbeddingsRequest[model=" + model() + "]";
  }
}
