package dev.pouch.domain.provider;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A legacy completions request ({@code POST /v1/completions}) as a JSON tree, so fields Pouch does
 * not know pass through untouched. The fields Pouch prices and caps are checked once, in {@link
 * #of}, and read through typed accessors; edits return a new request.
 *
 * <p>How many answers the upstream bills: each of the {@code k} prompts (a string or a token array
 * is one prompt, an array of strings or of token arrays is one per element) gets {@code best_of}
 * candidates when set, else {@code n}; {@code n} of them per prompt come back. So {@link
 * #choices()} is {@code k × max(n, best_of)} and the worst case is that many answers of {@link
 * #maxOutputTokens()} each. Without {@code max_tokens} OpenAI generates at most 16 tokens per
 * answer: that is the limit priced, and the one written upstream.
 */
public final class CompletionRequest implements Operation {
  /** OpenAI's output limit per answer when a request sets no {@code max_tokens}. */
  public static final long DEFAULT_MAX_TOKENS = 16;

  /** Largest {@code n} accepted (OpenAI's limit). */
  public static final int MAX_N = 128;

  /** Largest {@code best_of} accepted (OpenAI's limit). */
  public static final int MAX_BEST_OF = 20;

  static final String MAX_TOKENS = "max_tokens";
  private static final String PROMPT = "prompt";
  private static final String PROMPT_SHAPES =
      "'prompt' must be a string, an array of strings, an array of tokens (integers) or an array"
          + " of token arrays";

  private final Map<String, Object> body;

  private CompletionRequest(Map<String, Object> body) {
    this.body = Collections.unmodifiableMap(body);
  }

  /**
   * Checks the fields Pouch relies on and wraps the body.
   *
   * @throws RequestRejectedException {@code INVALID_REQUEST} naming the field at fault
   */
  public static CompletionRequest of(Map<String, Object> body) {
    Objects.requireNonNull(body, "body");
    BodyFields.requireModel(body);
    long prompts = promptCount(body.get(PROMPT));
    BodyFields.optionalBoolean(body, "stream");
    BodyFields.optionalBoolean(body, "echo");
    requireType(body, "suffix", String.class, "a string");
    requireType(body, "stream_options", Map.class, "an object");
    BodyFields.positiveInteger(body, MAX_TOKENS, Long.MAX_VALUE);
    BodyFields.positiveInteger(body, "n", MAX_N);
    BodyFields.positiveInteger(body, "best_of", MAX_BEST_OF);
    long n = integerOr(body, "n", 1);
    long bestOf = integerOr(body, "best_of", n);
    if (bestOf < n) {
      throw RequestRejectedException.invalidRequest(
          "best_of", "'best_of' must be at least 'n' (it counts the candidates n are chosen from)");
    }
    if (prompts * bestOf > Integer.MAX_VALUE) {
      throw RequestRejectedException.invalidRequest(PROMPT, "too many prompts in one request");
    }
    return new CompletionRequest(new LinkedHashMap<>(body));
  }

  /**
   * The completions request an operation is, for a provider's completions code.
   *
   * @throws IllegalArgumentException when it is another API's operation (the core asks {@link
   *     Provider#serves} first, so this is a bug)
   */
  public static CompletionRequest of(Operation operation) {
    if (operation instanceof CompletionRequest completion) {
      return completion;
    }
    throw new IllegalArgumentException("not a completions request: " + operation.api());
  }

  @Override
  public String api() {
    return COMPLETIONS;
  }

  /** The whole body; unmodifiable. */
  @Override
  public Map<String, Object> body() {
    return body;
  }

  @Override
  public String model() {
    return (String) body.get("model");
  }

  @Override
  public boolean stream() {
    return Boolean.TRUE.equals(body.get("stream"));
  }

  /** Whether the client asked for the usage chunk at the end of a stream. */
  public boolean includeUsage() {
    return body.get("stream_options") instanceof Map<?, ?> options
        && Boolean.TRUE.equals(options.get("include_usage"));
  }

  /** Whether the answers start with their prompt ({@code echo}). */
  public boolean echo() {
    return Boolean.TRUE.equals(body.get("echo"));
  }

  /**
   * The prompts, in order: each a {@code String}, or a token array (a {@code List} of whole
   * numbers). A single string or token array is one prompt.
   */
  public List<Object> prompts() {
    Object prompt = body.get(PROMPT);
    if (prompt instanceof String) {
      return List.of(prompt);
    }
    List<?> list = (List<?>) prompt;
    if (isWholeNumber(list.get(0))) {
      return List.of(list);
    }
    return Collections.unmodifiableList(new ArrayList<Object>(list));
  }

  /** Answers returned per prompt ({@code n}); 1 when absent. */
  public int n() {
    return (int) integerOr(body, "n", 1);
  }

  /** Candidates generated (and billed) per prompt: {@code best_of} when set, else {@code n}. */
  public int candidatesPerPrompt() {
    return (int) integerOr(body, "best_of", n());
  }

  /** Answers the client gets: {@code n} per prompt. */
  public int answers() {
    return prompts().size() * n();
  }

  /** Answers the upstream bills: {@link #candidatesPerPrompt()} per prompt. */
  @Override
  public int choices() {
    return prompts().size() * candidatesPerPrompt();
  }

  /**
   * Whether the upstream bills answers the client never sees ({@code best_of} above {@code n}):
   * their output does not stream, so what streamed does not bound what was billed.
   */
  public boolean billsUnseenCandidates() {
    return candidatesPerPrompt() > n();
  }

  /** {@code max_tokens}, else OpenAI's default of {@value #DEFAULT_MAX_TOKENS}: never null. */
  @Override
  public Long maxOutputTokens() {
    return integerOr(body, MAX_TOKENS, DEFAULT_MAX_TOKENS);
  }

  /** Always: without {@code max_tokens} the API still stops at its default of 16. */
  @Override
  public boolean hasOutputLimit() {
    return true;
  }

  @Override
  public CompletionRequest withModel(String model) {
    return with("model", Objects.requireNonNull(model, "model"));
  }

  /** A copy with {@code max_tokens} set to {@code tokens} (written even when it was absent). */
  @Override
  public CompletionRequest withMaxOutputTokens(long tokens) {
    return with(MAX_TOKENS, tokens);
  }

  /** A copy with one top-level field set (or removed when {@code value} is null). */
  public CompletionRequest with(String field, Object value) {
    return new CompletionRequest(BodyFields.with(body, field, value));
  }

  /** How many prompts {@code prompt} holds, or a refusal when it has none of the four shapes. */
  private static long promptCount(Object prompt) {
    if (prompt instanceof String) {
      return 1;
    }
    if (!(prompt instanceof List<?> list) || list.isEmpty()) {
      throw RequestRejectedException.invalidRequest(PROMPT, PROMPT_SHAPES);
    }
    Object first = list.get(0);
    if (first instanceof String) {
      requireAll(list, String.class::isInstance);
    } else if (isWholeNumber(first)) {
      requireAll(list, CompletionRequest::isToken);
      return 1;
    } else if (first instanceof List<?>) {
      requireAll(list, CompletionRequest::isTokenArray);
    } else {
      throw RequestRejectedException.invalidRequest(PROMPT, PROMPT_SHAPES);
    }
    return list.size();
  }

  private static void requireAll(List<?> list, Predicate<Object> test) {
    for (Object element : list) {
      if (!test.test(element)) {
        throw RequestRejectedException.invalidRequest(PROMPT, PROMPT_SHAPES);
      }
    }
  }

  private static boolean isTokenArray(Object value) {
    if (!(value instanceof List<?> tokens) || tokens.isEmpty()) {
      return false;
    }
    for (Object token : tokens) {
      if (!isToken(token)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isToken(Object value) {
    Long token = BodyFields.wholeNumber(value);
    return token != null && token >= 0;
  }

  private static boolean isWholeNumber(Object value) {
    return BodyFields.wholeNumber(value) != null;
  }

  private static void requireType(
      Map<String, Object> body, String field, Class<?> type, String what) {
    Object value = body.get(field);
    if (value != null && !type.isInstance(value)) {
      throw RequestRejectedException.invalidRequest(field, "'" + field + "' must be " + what);
    }
  }

  private static long integerOr(Map<String, Object> body, String field, long absent) {
    Long value = BodyFields.integer(body, field);
    return value == null ? absent : value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CompletionRequest that && body.equals(that.body);
  }

  @Override
  public int hashCode() {
    return body.hashCode();
  }

  @Override
  public String toString() {
    return "CompletionRequest[model=" + model() + ", stream=" + stream() + "]";
  }
}
