package dev.pouch.adapters.mock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.ChatRequest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One generated answer to a chat request: the mock's generation logic, shared by the in-process
 * provider and the fake OpenAI upstream. Immutable; render it as a {@code chat.completion} with
 * {@link #toJson} or stream it with {@link #stream}.
 *
 * <p>The answer's tokens are the words of the response text, joined with single spaces. Each of the
 * {@code n} choices is identical: all words ({@code finish_reason "stop"}), or the first {@code
 * max_tokens} of them ({@code "length"}). With {@link MockBehavior#ignoreMaxTokens()} the text is
 * repeated until it has at least {@code 2 × max_tokens + 10} words, whatever the client asked.
 */
public final class MockCompletion implements GeneratedAnswer {
  /** Most tokens one choice can have when the mock ignores {@code max_tokens} (a safety stop). */
  public static final long MAX_IGNORED_TOKENS = 10_000_000;

  static final String SYSTEM_FINGERPRINT = "fp_mock";
  private static final String STOP = "stop";
  private static final String LENGTH = "length";

  private final String id;
  private final long created;
  private final String model;
  private final long promptTokens;
  private final int choices;
  private final List<String> words;
  private final long tokensPerChoice;
  private final String finishReason;
  private final MockBehavior behavior;

  private MockCompletion(
      String id,
      long created,
      String model,
      long promptTokens,
      int choices,
      List<String> words,
      long tokensPerChoice,
      String finishReason,
      MockBehavior behavior) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.promptTokens = promptTokens;
    this.choices = choices;
    this.words = words;
    this.tokensPerChoice = tokensPerChoice;
    this.finishReason = finishReason;
    this.behavior = behavior;
  }

  /** Generates the answer {@code behavior} gives to {@code request} (no output cap applied). */
  public static MockCompletion of(ChatRequest request, MockBehavior behavior) {
    Objects.requireNonNull(behavior, "behavior");
    MockOutput output = MockOutput.of(behavior, honouredLimit(request));
    String id = "chatcmpl-mock-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    return new MockCompletion(
        id,
        Instant.now().getEpochSecond(),
        request.model(),
        MockTokens.promptTokens(request),
        request.choices(),
        output.words(),
        output.tokens(),
        output.limited() ? LENGTH : STOP,
        behavior);
  }

  /**
   * The output limit as vLLM reads it: {@code max_completion_tokens} when present, else {@code
   * max_tokens}; not the smaller of the two. A gateway that priced the smaller one but forwarded
   * both would be overrun by such a server.
   */
  static Long honouredLimit(ChatRequest request) {
    Object completion = request.body().get("max_completion_tokens");
    Object legacy = request.body().get("max_tokens");
    Object limit = completion != null ? completion : legacy;
    return limit instanceof Number number ? number.longValue() : null;
  }

  /** Whole repetitions of the text until at least {@code 2 × limit + 10} words. */
  static long ignoringLimit(long wordCount, Long limit) {
    if (wordCount == 0 || limit == null) {
      return wordCount;
    }
    long target = limit >= MAX_IGNORED_TOKENS / 2 ? MAX_IGNORED_TOKENS : 2 * limit + 10;
    long repetitions = (target + wordCount - 1) / wordCount;
    return Math.min(MAX_IGNORED_TOKENS, repetitions * wordCount);
  }

  /**
   * This answer limited to {@code outputCap} completion tokens over all choices: when longer, each
   * choice is cut to {@code floor(outputCap / n)} tokens with {@code finish_reason "length"}.
   */
  @Override
  public MockCompletion capped(long outputCap) {
    long perChoice = outputCap / choices;
    if (tokensPerChoice <= perChoice) {
      return this;
    }
    return new MockCompletion(
        id, created, model, promptTokens, choices, words, perChoice, LENGTH, behavior);
  }

  /** The behaviour this answer was generated with (pacing and failures of its stream). */
  @Override
  public MockBehavior behavior() {
    return behavior;
  }

  /** The {@code chat.completion} / {@code chat.completion.chunk} id. */
  public String id() {
    return id;
  }

  @Override
  public long promptTokens() {
    return promptTokens;
  }

  /** Number of choices ({@code n}). */
  public int choices() {
    return choices;
  }

  /** Tokens of each choice. */
  public long tokensPerChoice() {
    return tokensPerChoice;
  }

  /** Tokens of all choices together. */
  @Override
  public long completionTokens() {
    return tokensPerChoice * choices;
  }

  public String finishReason() {
    return finishReason;
  }

  /** The text of each choice. */
  public String content() {
    StringBuilder text = new StringBuilder();
    for (long i = 0; i < tokensPerChoice; i++) {
      text.append(token(i));
    }
    return text.toString();
  }

  /** The exact usage of the whole answer. */
  @Override
  public Usage usage() {
    return Usage.reported(promptTokens, completionTokens());
  }

  /** The {@code i}-th token of a choice: the word, with a leading space except for the first. */
  String token(long i) {
    String word = words.get((int) (i % words.size()));
    return i == 0 ? word : " " + word;
  }

  /**
   * The answer as OpenAI's {@code chat.completion} JSON.
   *
   * @param withUsage whether to include the {@code usage} object (OpenAI always does)
   */
  @Override
  public byte[] toJson(boolean withUsage) {
    ObjectNode root = header("chat.completion");
    ArrayNode list = root.putArray("choices");
    String content = content();
    for (int index = 0; index < choices; index++) {
      ObjectNode choice = list.addObject();
      choice.put("index", index);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.put("content", content);
      message.putNull("refusal");
      message.putArray("annotations");
      choice.putNull("logprobs");
      choice.put("finish_reason", finishReason);
    }
    if (withUsage) {
      root.set("usage", usageJson());
    }
    return OpenAiJson.bytes(root);
  }

  /**
   * A stream of this answer (as SSE events), paced and broken off as {@link #behavior()} says.
   *
   * @param includeUsage whether to send the usage chunk at the end ({@code
   *     stream_options.include_usage})
   */
  @Override
  public MockStream stream(boolean includeUsage) {
    return new MockStream(this, includeUsage);
  }

  /** Events of a stream: n role chunks, n × tokens content chunks, n finish chunks, usage, DONE. */
  @Override
  public long streamEvents(boolean includeUsage) {
    return 2L * choices + completionTokens() + (includeUsage ? 1 : 0) + 1;
  }

  /** Whether stream event {@code position} is a content chunk (one token). */
  @Override
  public boolean isContentEvent(long position) {
    return position >= choices && position < choices + completionTokens();
  }

  /** Stream event {@code position} (0-based), or {@code null} past the end. */
  @Override
  public byte[] streamEvent(long position, boolean includeUsage) {
    long p = position;
    if (p < choices) {
      ObjectNode delta = OpenAiJson.MAPPER.createObjectNode();
      delta.put("role", "assistant");
      delta.put("content", "");
      delta.putNull("refusal");
      return chunk((int) p, delta, null, includeUsage);
    }
    p -= choices;
    if (p < completionTokens()) {
      ObjectNode delta = OpenAiJson.MAPPER.createObjectNode();
      delta.put("content", token(p / choices));
      return chunk((int) (p % choices), delta, null, includeUsage);
    }
    p -= completionTokens();
    if (p < choices) {
      return chunk((int) p, OpenAiJson.MAPPER.createObjectNode(), finishReason, includeUsage);
    }
    p -= choices;
    if (includeUsage) {
      if (p == 0) {
        ObjectNode root = header("chat.completion.chunk");
        root.putArray("choices");
        root.set("usage", usageJson());
        return OpenAiJson.sseEvent(root);
      }
      p--;
    }
    return p == 0 ? OpenAiJson.doneEvent() : null;
  }

  private byte[] chunk(int index, ObjectNode delta, String finish, boolean includeUsage) {
    ObjectNode root = header("chat.completion.chunk");
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", index);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    choice.put("finish_reason", finish);
    if (includeUsage) {
      root.putNull("usage");
    }
    return OpenAiJson.sseEvent(root);
  }

  private ObjectNode header(String object) {
    ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
    root.put("id", id);
    root.put("object", object);
    root.put("created", created);
    root.put("model", model);
    root.put("service_tier", "default");
    root.put("system_fingerprint", SYSTEM_FINGERPRINT);
    return root;
  }

  private ObjectNode usageJson() {
    long completion = completionTokens();
    ObjectNode usage = OpenAiJson.MAPPER.createObjectNode();
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completion);
    usage.put("total_tokens", promptTokens + completion);
    ObjectNode prompt = usage.putObject("prompt_tokens_details");
    prompt.put("cached_tokens", 0);
    prompt.put("audio_tokens", 0);
    ObjectNode output = usage.putObject("completion_tokens_details");
    output.put("reasoning_tokens", 0);
    output.put("audio_tokens", 0);
    output.put("accepted_prediction_tokens", 0);
    output.put("rejected_prediction_tokens", 0);
    return usage;
  }
}
