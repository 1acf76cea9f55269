package dev.pouch.adapters.mock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.ResponsesRequest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One generated answer to a Responses API request, in OpenAI's shapes: the {@code response} object
 * ({@link #toJson}) or its stream of typed events ({@link #stream}). Shared by the in-process
 * provider and the fake OpenAI upstream. Immutable.
 *
 * <p>The answer is one assistant message whose tokens are the words of the response text: all of
 * them ({@code status "completed"}) or the first {@code max_output_tokens} ({@code "incomplete"},
 * {@code incomplete_details.reason "max_output_tokens"}). With {@link
 * MockBehavior#ignoreMaxTokens()} the text is repeated to at least {@code 2 × max_output_tokens +
 * 10} words, whatever the client asked.
 *
 * <p>A stream: {@code response.created}, {@code response.in_progress}, {@code
 * response.output_item.added}, {@code response.content_part.added}, one {@code
 * response.output_text.delta} per token, {@code response.output_text.done}, {@code
 * response.content_part.done}, {@code response.output_item.done}, then {@code response.completed}
 * (or {@code response.incomplete}) carrying the whole response with its usage. Each event is {@code
 * event: <type>} and {@code data: <json>} with its {@code sequence_number}; no {@code [DONE]}.
 */
public final class MockResponse implements GeneratedAnswer {
  private static final String COMPLETED = "completed";
  private static final String INCOMPLETE = "incomplete";

  /** Events before the first text delta, and after the last one. */
  private static final int LEADING_EVENTS = 4;

  private static final int TRAILING_EVENTS = 4;

  private final String id;
  private final String messageId;
  private final long createdAt;
  private final ResponsesRequest request;
  private final long promptTokens;
  private final List<String> words;
  private final long tokens;
  private final boolean limited;
  private final MockBehavior behavior;

  private MockResponse(
      String id,
      String messageId,
      long createdAt,
      ResponsesRequest request,
      long promptTokens,
      List<String> words,
      long tokens,
      boolean limited,
      MockBehavior behavior) {
    this.id = id;
    this.messageId = messageId;
    this.createdAt = createdAt;
    this.request = request;
    this.promptTokens = promptTokens;
    this.words = words;
    this.tokens = tokens;
    this.limited = limited;
    this.behavior = behavior;
  }

  /** Generates the answer {@code behavior} gives to {@code request} (no output cap applied). */
  public static MockResponse of(ResponsesRequest request, MockBehavior behavior) {
    Objects.requireNonNull(behavior, "behavior");
    MockOutput output = MockOutput.of(behavior, request.maxOutputTokens());
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new MockResponse(
        "resp_mock" + Long.toHexString(random.nextLong()),
        "msg_mock" + Long.toHexString(random.nextLong()),
        Instant.now().getEpochSecond(),
        request,
        MockTokens.promptTokens(request),
        output.words(),
        output.tokens(),
        output.limited(),
        behavior);
  }

  /**
   * This answer continuing a stored response whose input and output were {@code contextTokens}:
   * billed again as input tokens, as OpenAI bills a {@code previous_response_id}.
   */
  public MockResponse continuing(long contextTokens) {
    if (contextTokens == 0) {
      return this;
    }
    return new MockResponse(
        id,
        messageId,
        createdAt,
        request,
        promptTokens + contextTokens,
        words,
        tokens,
        limited,
        behavior);
  }

  /** This answer limited to {@code outputCap} output tokens (then incomplete). */
  @Override
  public MockResponse capped(long outputCap) {
    if (tokens <= outputCap) {
      return this;
    }
    return new MockResponse(
        id, messageId, createdAt, request, promptTokens, words, outputCap, true, behavior);
  }

  /** The response's {@code resp_…} id. */
  @Override
  public Optional<String> answerId() {
    return Optional.of(id);
  }

  @Override
  public long promptTokens() {
    return promptTokens;
  }

  /** Output tokens of the answer. */
  public long outputTokens() {
    return tokens;
  }

  @Override
  public long completionTokens() {
    return tokens;
  }

  /** {@code completed}, or {@code incomplete} when the output limit stopped it. */
  public String status() {
    return limited ? INCOMPLETE : COMPLETED;
  }

  /** The exact usage of the whole answer. */
  @Override
  public Usage usage() {
    return Usage.reported(promptTokens, tokens);
  }

  /** The answer's text. */
  public String text() {
    StringBuilder text = new StringBuilder();
    for (long i = 0; i < tokens; i++) {
      text.append(token(i));
    }
    return text.toString();
  }

  private String token(long i) {
    String word = words.get((int) (i % words.size()));
    return i == 0 ? word : " " + word;
  }

  /**
   * The {@code response} object.
   *
   * @param withUsage whether to include usage (OpenAI always does); {@code null} otherwise
   */
  @Override
  public byte[] toJson(boolean withUsage) {
    return OpenAiJson.bytes(response(status(), tokens, withUsage));
  }

  /**
   * The answer's events, paced and broken off as {@link #behavior()} says.
   *
   * @param withUsage whether the final response carries its usage
   */
  @Override
  public MockStream stream(boolean withUsage) {
    return new MockStream(this, withUsage);
  }

  /** The behaviour this answer was generated with. */
  @Override
  public MockBehavior behavior() {
    return behavior;
  }

  @Override
  public long streamEvents(boolean withUsage) {
    return LEADING_EVENTS + tokens + TRAILING_EVENTS;
  }

  @Override
  public boolean isContentEvent(long position) {
    return position >= LEADING_EVENTS && position < LEADING_EVENTS + tokens;
  }

  /** {@code response.incomplete} with the text streamed so far and its usage. */
  @Override
  public byte[] cutTrailer(long position, long tokensEmitted) {
    ObjectNode event = event("response.incomplete", position);
    event.set("response", response(INCOMPLETE, tokensEmitted, true));
    return sse(event);
  }

  /** The Responses API's {@code error} event. */
  @Override
  public byte[] errorEvent(long position, String message) {
    return ErrorJson.responsesErrorEvent("upstream_error", message, position);
  }

  /** The response object with {@code emitted} tokens of text, as of {@code status}. */
  private ObjectNode response(String status, long emitted, boolean withUsage) {
    ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
    root.put("id", id);
    root.put("object", "response");
    root.put("created_at", createdAt);
    root.put("status", status);
    root.put("background", false);
    root.putNull("error");
    if (INCOMPLETE.equals(status)) {
      root.putObject("incomplete_details").put("reason", "max_output_tokens");
    } else {
      root.putNull("incomplete_details");
    }
    root.put("instructions", request.instructions());
    Long limit = request.maxOutputTokens();
    if (limit == null) {
      root.putNull("max_output_tokens");
    } else {
      root.put("max_output_tokens", limit);
    }
    root.put("model", request.model());
    ArrayNode output = root.putArray("output");
    if (!"in_progress".equals(status)) {
      output.add(message(status, emitted));
    }
    root.put("parallel_tool_calls", true);
    Object previous = request.body().get(ResponsesRequest.PREVIOUS_RESPONSE_ID);
    if (previous == null) {
      root.putNull("previous_response_id");
    } else {
      root.put("previous_response_id", previous.toString());
    }
    ObjectNode reasoning = root.putObject("reasoning");
    reasoning.putNull("effort");
    reasoning.putNull("summary");
    root.put("service_tier", "default");
    root.put("store", !Boolean.FALSE.equals(request.body().get("store")));
    root.put("temperature", 1.0);
    root.putObject("text").putObject("format").put("type", "text");
    root.put("tool_choice", "auto");
    root.putArray("tools");
    root.put("top_p", 1.0);
    root.put("truncation", "disabled");
    if (withUsage && !"in_progress".equals(status)) {
      root.set("usage", usageJson(emitted));
    } else {
      root.putNull("usage");
    }
    root.putNull("user");
    root.putObject("metadata");
    return root;
  }

  private ObjectNode message(String status, long emitted) {
    ObjectNode item = OpenAiJson.MAPPER.createObjectNode();
    item.put("id", messageId);
    item.put("type", "message");
    item.put("status", status);
    item.put("role", "assistant");
    item.putArray("content").add(textPart(emitted));
    return item;
  }

  private ObjectNode textPart(long emitted) {
    ObjectNode part = OpenAiJson.MAPPER.createObjectNode();
    part.put("type", "output_text");
    StringBuilder text = new StringBuilder();
    for (long i = 0; i < emitted; i++) {
      text.append(token(i));
    }
    part.put("text", text.toString());
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  private ObjectNode usageJson(long output) {
    ObjectNode usage = OpenAiJson.MAPPER.createObjectNode();
    usage.put("input_tokens", promptTokens);
    usage.putObject("input_tokens_details").put("cached_tokens", 0);
    usage.put("output_tokens", output);
    usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
    usage.put("total_tokens", promptTokens + output);
    return usage;
  }

  private ObjectNode event(String type, long sequence) {
    ObjectNode event = OpenAiJson.MAPPER.createObjectNode();
    event.put("type", type);
    event.put("sequence_number", sequence);
    return event;
  }

  private ObjectNode inItem(String type, long sequence) {
    ObjectNode event = event(type, sequence);
    event.put("item_id", messageId);
    event.put("output_index", 0);
    event.put("content_index", 0);
    return event;
  }

  /** The stream's event {@code position}; {@code withUsage}: the final response's usage. */
  @Override
  public byte[] streamEvent(long position, boolean withUsage) {
    if (position >= streamEvents(withUsage)) {
      return null;
    }
    if (position >= LEADING_EVENTS && position < LEADING_EVENTS + tokens) {
      ObjectNode delta = inItem("response.output_text.delta", position);
      delta.put("delta", token(position - LEADING_EVENTS));
      delta.putArray("logprobs");
      return sse(delta);
    }
    ObjectNode event;
    if (position == 0 || position == 1) {
      event = event(position == 0 ? "response.created" : "response.in_progress", position);
      event.set("response", response("in_progress", 0, false));
    } else if (position == 2) {
      event = event("response.output_item.added", position);
      event.put("output_index", 0);
      ObjectNode item = message("in_progress", 0);
      item.putArray("content");
      event.set("item", item);
    } else if (position == 3) {
      event = inItem("response.content_part.added", position);
      event.set("part", textPart(0));
    } else {
      long after = position - LEADING_EVENTS - tokens;
      if (after == 0) {
        event = inItem("response.output_text.done", position);
        event.put("text", text());
        event.putArray("logprobs");
      } else if (after == 1) {
        event = inItem("response.content_part.done", position);
        event.set("part", textPart(tokens));
      } else if (after == 2) {
        event = event("response.output_item.done", position);
        event.put("output_index", 0);
        event.set("item", message(status(), tokens));
      } else {
        event = event("response." + status(), position);
        event.set("response", response(status(), tokens, withUsage));
      }
    }
    return sse(event);
  }

  /** {@code event: <type>} then {@code data: <json>}, as OpenAI frames Responses events. */
  private static byte[] sse(ObjectNode event) {
    return OpenAiJson.namedEvent(event.path("type").asText(), event);
  }
}
