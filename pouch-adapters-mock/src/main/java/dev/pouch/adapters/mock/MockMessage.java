package dev.pouch.adapters.mock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.MessagesRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One generated answer to an Anthropic Messages request, in Anthropic's shapes: the {@code message}
 * ({@link #toJson}) or its stream of events ({@link #stream}): {@code message_start} (with the
 * input usage), {@code content_block_start}, one {@code content_block_delta} per token, {@code
 * content_block_stop}, {@code message_delta} (stop reason and output usage), {@code message_stop}.
 * One text block whose tokens are the words of the response text: all of them ({@code end_turn}) or
 * the first {@code max_tokens} ({@code max_tokens}). With {@link MockBehavior#ignoreMaxTokens()}
 * the text is repeated past the limit. Immutable.
 */
public final class MockMessage implements GeneratedAnswer {
  private static final int LEADING_EVENTS = 2;
  private static final int TRAILING_EVENTS = 3;

  private final String id;
  private final MessagesRequest request;
  private final long promptTokens;
  private final List<String> words;
  private final long tokens;
  private final boolean limited;
  private final MockBehavior behavior;

  private MockMessage(
      String id,
      MessagesRequest request,
      long promptTokens,
      List<String> words,
      long tokens,
      boolean limited,
      MockBehavior behavior) {
    this.id = id;
    this.request = request;
    this.promptTokens = promptTokens;
    this.words = words;
    this.tokens = tokens;
    this.limited = limited;
    this.behavior = behavior;
  }

  /** Generates the answer {@code behavior} gives to {@code request} (no output cap applied). */
  public static MockMessage of(MessagesRequest request, MockBehavior behavior) {
    Objects.requireNonNull(behavior, "behavior");
    MockOutput output = MockOutput.of(behavior, request.maxOutputTokens());
    return new MockMessage(
        "msg_mock" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
        request,
        MockTokens.promptTokens(request),
        output.words(),
        output.tokens(),
        output.limited(),
        behavior);
  }

  @Override
  public MockMessage capped(long outputCap) {
    if (tokens <= outputCap) {
      return this;
    }
    return new MockMessage(id, request, promptTokens, words, outputCap, true, behavior);
  }

  @Override
  public long promptTokens() {
    return promptTokens;
  }

  @Override
  public long completionTokens() {
    return tokens;
  }

  @Override
  public Usage usage() {
    return Usage.reported(promptTokens, tokens);
  }

  @Override
  public MockBehavior behavior() {
    return behavior;
  }

  @Override
  public MockStream stream(boolean includeUsage) {
    return new MockStream(this, includeUsage);
  }

  private String stopReason() {
    return limited ? "max_tokens" : "end_turn";
  }

  private String token(long i) {
    String word = words.get((int) (i % words.size()));
    return i == 0 ? word : " " + word;
  }

  private String text(long emitted) {
    StringBuilder text = new StringBuilder();
    for (long i = 0; i < emitted; i++) {
      text.append(token(i));
    }
    return text.toString();
  }

  private ObjectNode message(long emitted, String stopReason, long outputTokens) {
    ObjectNode message = OpenAiJson.MAPPER.createObjectNode();
    message.put("id", id);
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", request.model());
    if (emitted < 0) {
      message.putArray("content");
    } else {
      message.putArray("content").addObject().put("type", "text").put("text", text(emitted));
    }
    if (stopReason == null) {
      message.putNull("stop_reason");
    } else {
      message.put("stop_reason", stopReason);
    }
    message.putNull("stop_sequence");
    ObjectNode usage = message.putObject("usage");
    usage.put("input_tokens", promptTokens);
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", 0);
    usage.put("output_tokens", outputTokens);
    return message;
  }

  @Override
  public byte[] toJson(boolean withUsage) {
    return OpenAiJson.bytes(message(tokens, stopReason(), tokens));
  }

  @Override
  public long streamEvents(boolean includeUsage) {
    return LEADING_EVENTS + tokens + TRAILING_EVENTS;
  }

  @Override
  public boolean isContentEvent(long position) {
    return position >= LEADING_EVENTS && position < LEADING_EVENTS + tokens;
  }

  @Override
  public byte[] streamEvent(long position, boolean includeUsage) {
    if (position >= streamEvents(includeUsage)) {
      return null;
    }
    ObjectNode event = OpenAiJson.MAPPER.createObjectNode();
    if (position == 0) {
      event.put("type", "message_start");
      event.set("message", message(-1, null, 1));
    } else if (position == 1) {
      event.put("type", "content_block_start").put("index", 0);
      event.putObject("content_block").put("type", "text").put("text", "");
    } else if (isContentEvent(position)) {
      event.put("type", "content_block_delta").put("index", 0);
      event
          .putObject("delta")
          .put("type", "text_delta")
          .put("text", token(position - LEADING_EVENTS));
    } else {
      long after = position - LEADING_EVENTS - tokens;
      if (after == 0) {
        event.put("type", "content_block_stop").put("index", 0);
      } else if (after == 1) {
        event.put("type", "message_delta");
        event.putObject("delta").put("stop_reason", stopReason()).putNull("stop_sequence");
        event.putObject("usage").put("output_tokens", tokens);
      } else {
        event.put("type", "message_stop");
      }
    }
    return OpenAiJson.namedEvent(event.path("type").asText(), event);
  }

  /** A {@code max_tokens} stop: the block closed, the output so far, {@code message_stop}. */
  @Override
  public byte[] cutTrailer(long position, long tokensEmitted) {
    String trailer =
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
            + "\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":"
            + tokensEmitted
            + "}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    return trailer.getBytes(StandardCharsets.UTF_8);
  }

  /** Anthropic's {@code event: error}. */
  @Override
  public byte[] errorEvent(long position, String message) {
    ObjectNode root = OpenAiJson.MAPPER.createObjectNode().put("type", "error");
    root.putObject("error").put("type", "api_error").put("message", message);
    return OpenAiJson.namedEvent("error", root);
  }
}
