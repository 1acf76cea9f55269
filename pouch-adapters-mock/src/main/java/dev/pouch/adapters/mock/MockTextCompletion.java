package dev.pouch.adapters.mock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.CompletionRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One generated answer to a legacy completions request, as OpenAI's {@code text_completion}: the
 * mock's generation logic for {@code /v1/completions}, shared by the in-process provider and the
 * fake OpenAI upstream. Immutable; render it with {@link #toJson} or stream it with {@link
 * #stream}.
 *
 * <p>Every prompt gets {@code best_of} candidates (else {@code n}), all the same text: the words of
 * the response text, all of them ({@code finish_reason "stop"}) or the first {@code max_tokens}
 * ({@code "length"}; 16 when the request sets none, as OpenAI does). {@code n} per prompt come
 * back, prompt by prompt (choice {@code p × n + j}); the others are billed and never shown. With
 * {@code echo} each answer's text starts with its prompt (a token array as its numbers joined by
 * spaces), which is not output. Prompt tokens: the words of each text prompt, the length of each
 * token array, and the words of {@code suffix} once per prompt.
 */
public final class MockTextCompletion implements GeneratedAnswer {
  private static final String STOP = "stop";
  private static final String LENGTH = "length";

  private final String id;
  private final long created;
  private final String model;
  private final List<String> echoes;
  private final int n;
  private final int candidates;
  private final long promptTokens;
  private final List<String> words;
  private final long tokensPerAnswer;
  private final String finishReason;
  private final MockBehavior behavior;

  private MockTextCompletion(
      String id,
      long created,
      String model,
      List<String> echoes,
      int n,
      int candidates,
      long promptTokens,
      List<String> words,
      long tokensPerAnswer,
      String finishReason,
      MockBehavior behavior) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.echoes = echoes;
    this.n = n;
    this.candidates = candidates;
    this.promptTokens = promptTokens;
    this.words = words;
    this.tokensPerAnswer = tokensPerAnswer;
    this.finishReason = finishReason;
    this.behavior = behavior;
  }

  /** Generates the answer {@code behavior} gives to {@code request} (no output cap applied). */
  public static MockTextCompletion of(CompletionRequest request, MockBehavior behavior) {
    Objects.requireNonNull(behavior, "behavior");
    MockOutput output = MockOutput.of(behavior, request.maxOutputTokens());
    List<String> echoes = new ArrayList<>();
    for (Object prompt : request.prompts()) {
      echoes.add(request.echo() ? text(prompt) : "");
    }
    return new MockTextCompletion(
        "cmpl-mock-" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
        Instant.now().getEpochSecond(),
        request.model(),
        List.copyOf(echoes),
        request.n(),
        request.candidatesPerPrompt(),
        promptTokens(request),
        output.words(),
        output.tokens(),
        output.limited() ? LENGTH : STOP,
        behavior);
  }

  /** Prompt tokens of {@code request} by the mock's rule (see the class comment). */
  public static long promptTokens(CompletionRequest request) {
    long tokens = 0;
    long suffix = request.body().get("suffix") instanceof String text ? MockTokens.count(text) : 0;
    for (Object prompt : request.prompts()) {
      tokens += prompt instanceof String text ? MockTokens.count(text) : ((List<?>) prompt).size();
      tokens += suffix;
    }
    return tokens;
  }

  private static String text(Object prompt) {
    if (prompt instanceof String text) {
      return text;
    }
    StringBuilder tokens = new StringBuilder();
    for (Object token : (List<?>) prompt) {
      tokens.append(tokens.length() == 0 ? "" : " ").append(token);
    }
    return tokens.toString();
  }

  /**
   * This answer limited to {@code outputCap} completion tokens over all billed candidates: when
   * longer, each is cut to {@code floor(outputCap / candidates)} tokens ({@code "length"}).
   */
  @Override
  public MockTextCompletion capped(long outputCap) {
    long perAnswer = outputCap / billedAnswers();
    if (tokensPerAnswer <= perAnswer) {
      return this;
    }
    return new MockTextCompletion(
        id,
        created,
        model,
        echoes,
        n,
        candidates,
        promptTokens,
        words,
        perAnswer,
        LENGTH,
        behavior);
  }

  @Override
  public MockBehavior behavior() {
    return behavior;
  }

  @Override
  public long promptTokens() {
    return promptTokens;
  }

  /** Answers the client gets: {@code n} per prompt. */
  public int answers() {
    return echoes.size() * n;
  }

  /** Answers billed: {@code best_of} (else {@code n}) per prompt. */
  public long billedAnswers() {
    return (long) echoes.size() * candidates;
  }

  /** Generated tokens of each answer (the echo not included). */
  public long tokensPerAnswer() {
    return tokensPerAnswer;
  }

  /** Output tokens billed: every candidate's, returned or not. */
  @Override
  public long completionTokens() {
    return tokensPerAnswer * billedAnswers();
  }

  @Override
  public long unseenTokens() {
    return tokensPerAnswer * (billedAnswers() - answers());
  }

  public String finishReason() {
    return finishReason;
  }

  /** The exact usage of the whole answer. */
  @Override
  public Usage usage() {
    return Usage.reported(promptTokens, completionTokens());
  }

  /** The generated text of each answer (without the echo). */
  public String generatedText() {
    StringBuilder text = new StringBuilder();
    for (long i = 0; i < tokensPerAnswer; i++) {
      text.append(token(i));
    }
    return text.toString();
  }

  /** The {@code i}-th token of an answer: the word with a leading space, as a completion goes. */
  private String token(long i) {
    return " " + words.get((int) (i % words.size()));
  }

  /** The echo of answer {@code choice}: its prompt, or "" without {@code echo}. */
  private String echo(int choice) {
    return echoes.get(choice / n);
  }

  /**
   * The answer as OpenAI's {@code text_completion} JSON.
   *
   * @param withUsage whether to include the {@code usage} object (OpenAI always does)
   */
  @Override
  public byte[] toJson(boolean withUsage) {
    ObjectNode root = header();
    ArrayNode list = root.putArray("choices");
    String generated = generatedText();
    for (int index = 0; index < answers(); index++) {
      ObjectNode choice = list.addObject();
      choice.put("text", echo(index) + generated);
      choice.put("index", index);
      choice.putNull("logprobs");
      choice.put("finish_reason", finishReason);
    }
    if (withUsage) {
      root.set("usage", usageJson());
    }
    return OpenAiJson.bytes(root);
  }

  /**
   * A stream of this answer, paced and broken off as {@link #behavior()} says: with {@code echo}
   * one chunk per answer holding its prompt, then one chunk per token (token by token, answer by
   * answer), a finish chunk per answer, the usage chunk when asked for, then {@code [DONE]}.
   */
  @Override
  public MockStream stream(boolean includeUsage) {
    return new MockStream(this, includeUsage);
  }

  private int echoEvents() {
    return echoes.stream().allMatch(String::isEmpty) ? 0 : answers();
  }

  private long streamedTokens() {
    return tokensPerAnswer * answers();
  }

  @Override
  public long streamEvents(boolean includeUsage) {
    return echoEvents() + streamedTokens() + answers() + (includeUsage ? 1 : 0) + 1;
  }

  @Override
  public boolean isContentEvent(long position) {
    long p = position - echoEvents();
    return p >= 0 && p < streamedTokens();
  }

  @Override
  public byte[] streamEvent(long position, boolean includeUsage) {
    long p = position;
    if (p < echoEvents()) {
      return chunk((int) p, echo((int) p), null, includeUsage);
    }
    p -= echoEvents();
    if (p < streamedTokens()) {
      return chunk((int) (p % answers()), token(p / answers()), null, includeUsage);
    }
    p -= streamedTokens();
    if (p < answers()) {
      return chunk((int) p, "", finishReason, includeUsage);
    }
    p -= answers();
    if (includeUsage) {
      if (p == 0) {
        ObjectNode root = header();
        root.putArray("choices");
        root.set("usage", usageJson());
        return OpenAiJson.sseEvent(root);
      }
      p--;
    }
    return p == 0 ? OpenAiJson.doneEvent() : null;
  }

  private byte[] chunk(int index, String text, String finish, boolean includeUsage) {
    ObjectNode root = header();
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("text", text);
    choice.put("index", index);
    choice.putNull("logprobs");
    choice.put("finish_reason", finish);
    if (includeUsage) {
      root.putNull("usage");
    }
    return OpenAiJson.sseEvent(root);
  }

  private ObjectNode header() {
    ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
    root.put("id", id);
    root.put("object", "text_completion");
    root.put("created", created);
    root.put("model", model);
    root.put("system_fingerprint", MockCompletion.SYSTEM_FINGERPRINT);
    return root;
  }

  private ObjectNode usageJson() {
    long completion = completionTokens();
    ObjectNode usage = OpenAiJson.MAPPER.createObjectNode();
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completion);
    usage.put("total_tokens", promptTokens + completion);
    return usage;
  }
}
