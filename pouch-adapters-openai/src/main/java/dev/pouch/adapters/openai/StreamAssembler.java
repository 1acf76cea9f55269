package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a streamed answer back into the plain {@code chat.completion} a client asked for (DESIGN §3
 * step 5): Pouch asks the upstream for a stream even for plain requests, so it can stop an upstream
 * that ignores {@code max_tokens} at the cap, where a plain answer could only be paid for after the
 * fact. Content, refusal, tool calls, logprobs, finish reasons and usage are assembled as OpenAI
 * documents them.
 */
final class StreamAssembler {
  private final OpenAiStream stream;
  private final long outputCap;
  private final Map<Integer, ChoiceState> choices = new TreeMap<>();
  private ObjectNode head;
  private JsonNode reportedUsage;
  private boolean cut;
  private final boolean alwaysTrees;

  StreamAssembler(OpenAiStream stream, long outputCap) {
    this(stream, outputCap, false);
  }

  /**
   * @param alwaysTrees assemble every chunk from its tree, as the reference the simple-chunk path
   *     is tested against
   */
  StreamAssembler(OpenAiStream stream, long outputCap, boolean alwaysTrees) {
    this.alwaysTrees = alwaysTrees;
    this.stream = stream;
    this.outputCap = outputCap;
  }

  /**
   * Reads the whole stream (or up to the cap) and returns the assembled answer. An upstream that
   * breaks off mid-answer (the body fails, an error event, or an end without {@code [DONE]}, usage
   * or finish reasons) gives a 502 that is still charged: the upstream had the request and may have
   * produced tokens after the last one that arrived (reported usage, else the full reservation).
   */
  Assembled assemble() {
    try {
      for (byte[] event = stream.next(); event != null; event = stream.next()) {
        if (stream.producedAtLeast() > outputCap) {
          cut = true; // the upstream ignores max_tokens: stop paying for it
          break;
        }
        ChunkFacts facts = stream.lastFacts(); // read once, by the stream's meter
        if (facts == null) {
          continue; // not JSON
        }
        if (head == null || !facts.simple() || alwaysTrees) {
          accept(stream.lastDataTree());
        } else {
          accept(facts); // most chunks: no tree needed
        }
      }
      if (!cut && !stream.finished()) {
        throw new UpstreamStreamError("the stream ended before the answer was complete");
      }
    } catch (IOException | UpstreamStreamError broken) {
      stream.close();
      return new Assembled(
          502,
          OpenAiProvider.errorJson("The upstream failed before its answer was complete."),
          stream.usage(),
          stream.producedAtLeast());
    } finally {
      stream.close();
    }
    Usage usage = stream.usage();
    if (cut && usage.source() != UsageSource.REPORTED) {
      // Only a count of what arrived is known; the upstream may have produced more before the
      // cancel reached it: charge the reservation.
      usage = new Usage(usage.promptTokens(), 0, usage.completionTokens(), UsageSource.UNKNOWN);
    }
    return new Assembled(200, body(usage), usage, stream.producedAtLeast());
  }

  /**
   * The assembled answer (or a 502 when the upstream broke off), the usage to bill, and the chunks
   * with output that arrived (a lower bound of the output: the charge never counts fewer).
   */
  record Assembled(int status, byte[] body, Usage usage, long producedAtLeast) {}

  private void accept(JsonNode chunk) {
    if (chunk.has("error")) {
      throw new UpstreamStreamError(chunk.toString());
    }
    if (head == null) {
      head = OpenAiProvider.MAPPER.createObjectNode();
      for (String field :
          new String[] {"id", "created", "model", "system_fingerprint", "service_tier"}) {
        if (chunk.has(field)) {
          head.set(field, chunk.get(field));
        }
      }
    }
    if (chunk.path("usage").isObject()) {
      reportedUsage = chunk.get("usage");
    }
    for (JsonNode choice : chunk.path("choices")) {
      choices.computeIfAbsent(choice.path("index").asInt(), ChoiceState::new).accept(choice);
    }
  }

  /** A simple chunk (see {@link ChunkFacts}): its usage and its choices' deltas. */
  private void accept(ChunkFacts facts) {
    if (facts.usage() != null) {
      reportedUsage = facts.usage();
    }
    for (ChunkFacts.ChoiceDelta delta : facts.deltas()) {
      choices.computeIfAbsent(delta.index(), ChoiceState::new).accept(delta);
    }
  }

  private byte[] body(Usage usage) {
    ObjectNode answer = OpenAiProvider.MAPPER.createObjectNode();
    answer.put("id", head == null ? "chatcmpl-pouch" : head.path("id").asText("chatcmpl-pouch"));
    answer.put("object", "chat.completion");
    if (head != null) {
      head.properties()
          .forEach(
              e -> {
                if (!e.getKey().equals("id")) {
                  answer.set(e.getKey(), e.getValue());
                }
              });
    }
    ArrayNode list = answer.putArray("choices");
    for (ChoiceState choice : choices.values()) {
      list.add(choice.toJson(cut));
    }
    if (reportedUsage != null) {
      answer.set("usage", reportedUsage);
    } else {
      ObjectNode counted = answer.putObject("usage");
      counted.put("prompt_tokens", usage.promptTokens());
      counted.put("completion_tokens", usage.completionTokens());
      counted.put("total_tokens", usage.promptTokens() + usage.completionTokens());
    }
    return answer.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** An error event in the middle of the stream: the upstream failed after it started. */
  static final class UpstreamStreamError extends RuntimeException {
    UpstreamStreamError(String event) {
      super("the upstream sent an error mid-stream: " + event);
    }
  }

  /** One choice as its deltas arrive. */
  private static final class ChoiceState {
    private final int index;
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder refusal = new StringBuilder();
    private boolean sawContent;
    private boolean sawRefusal;
    private final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
    private ArrayNode logprobsContent;
    private ArrayNode logprobsRefusal;
    private String finishReason;

    ChoiceState(int index) {
      this.index = index;
    }

    void accept(ChunkFacts.ChoiceDelta delta) {
      if (delta.content() != null) {
        sawContent = true;
        content.append(delta.content());
      }
      if (delta.refusal() != null) {
        sawRefusal = true;
        refusal.append(delta.refusal());
      }
      if (delta.finishReason() != null) {
        finishReason = delta.finishReason();
      }
    }

    void accept(JsonNode choice) {
      JsonNode delta = choice.path("delta");
      if (delta.path("content").isTextual()) {
        sawContent = true;
        content.append(delta.get("content").asText());
      }
      if (delta.path("refusal").isTextual()) {
        sawRefusal = true;
        refusal.append(delta.get("refusal").asText());
      }
      for (JsonNode call : delta.path("tool_calls")) {
        ObjectNode assembled =
            toolCalls.computeIfAbsent(
                call.path("index").asInt(toolCalls.size()), i -> newToolCall());
        if (call.hasNonNull("id")) {
          assembled.put("id", call.get("id").asText());
        }
        if (call.hasNonNull("type")) {
          assembled.put("type", call.get("type").asText());
        }
        ObjectNode function = (ObjectNode) assembled.get("function");
        JsonNode part = call.path("function");
        if (part.path("name").isTextual()) {
          function.put("name", function.path("name").asText("") + part.get("name").asText());
        }
        if (part.path("arguments").isTextual()) {
          function.put(
              "arguments", function.path("arguments").asText("") + part.get("arguments").asText());
        }
      }
      JsonNode logprobs = choice.path("logprobs");
      if (logprobs.path("content").isArray()) {
        logprobsContent = append(logprobsContent, logprobs.get("content"));
      }
      if (logprobs.path("refusal").isArray()) {
        logprobsRefusal = append(logprobsRefusal, logprobs.get("refusal"));
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
      }
    }

    private static ObjectNode newToolCall() {
      ObjectNode call = OpenAiProvider.MAPPER.createObjectNode();
      call.put("type", "function");
      call.putObject("function").put("name", "").put("arguments", "");
      return call;
    }

    private static ArrayNode append(ArrayNode target, JsonNode items) {
      ArrayNode result = target == null ? OpenAiProvider.MAPPER.createArrayNode() : target;
      items.forEach(result::add);
      return result;
    }

    ObjectNode toJson(boolean cut) {
      ObjectNode choice = OpenAiProvider.MAPPER.createObjectNode();
      choice.put("index", index);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      if (sawContent || toolCalls.isEmpty()) {
        message.put("content", sawContent ? content.toString() : null);
      } else {
        message.putNull("content");
      }
      if (sawRefusal) {
        message.put("refusal", refusal.toString());
      } else {
        message.putNull("refusal");
      }
      if (!toolCalls.isEmpty()) {
        ArrayNode calls = message.putArray("tool_calls");
        toolCalls.values().forEach(calls::add);
      }
      if (logprobsContent == null && logprobsRefusal == null) {
        choice.putNull("logprobs");
      } else {
        ObjectNode logprobs = choice.putObject("logprobs");
        logprobs.set("content", logprobsContent);
        logprobs.set("refusal", logprobsRefusal);
      }
      String reason = finishReason == null && cut ? "length" : finishReason;
      choice.put("finish_reason", reason);
      return choice;
    }
  }
}
