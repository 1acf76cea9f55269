package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.error.ErrorJson;
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
          ErrorJson.upstreamError("The upstream failed before its answer was complete."),
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

  /**
   * A chunk read from its tree, keeping every field: the head's fields as the first chunk gave
   * them, any other top-level field as the last chunk gave it (a provider's {@code citations}), and
   * each choice merged whole.
   */
  private void accept(JsonNode chunk) {
    if (chunk.has("error")) {
      throw new UpstreamStreamError(chunk.toString());
    }
    if (head == null) {
      head = OpenAiProvider.MAPPER.createObjectNode();
    }
    for (Map.Entry<String, JsonNode> field : chunk.properties()) {
      String name = field.getKey();
      JsonNode value = field.getValue();
      switch (name) {
        case "choices", "object", "obfuscation" -> {} // the answer's own; stream-only padding
        case "usage" -> {
          if (value.isObject()) {
            reportedUsage = value;
          }
        }
        case "id", "created", "model", "system_fingerprint", "service_tier" -> {
          if (!head.has(name)) {
            head.set(name, value);
          }
        }
        default -> {
          if (!value.isNull() || !head.has(name)) {
            head.set(name, value);
          }
        }
      }
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
    private String role;

    /** The message's fields beyond role, content, refusal and tool calls. */
    private final ObjectNode message = OpenAiProvider.MAPPER.createObjectNode();

    /** The choice's fields beyond index, message, logprobs and finish reason. */
    private final ObjectNode extras = OpenAiProvider.MAPPER.createObjectNode();

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
      for (Map.Entry<String, JsonNode> field : choice.properties()) {
        JsonNode value = field.getValue();
        switch (field.getKey()) {
          case "index" -> {}
          case "delta" -> acceptDelta(value);
          case "logprobs" -> {
            if (value.path("content").isArray()) {
              logprobsContent = append(logprobsContent, value.get("content"));
            }
            if (value.path("refusal").isArray()) {
              logprobsRefusal = append(logprobsRefusal, value.get("refusal"));
            }
          }
          case "finish_reason" -> {
            if (!value.isNull()) {
              finishReason = value.asText();
            }
          }
          default -> {
            if (!value.isNull() || !extras.has(field.getKey())) {
              extras.set(field.getKey(), value); // e.g. vLLM's stop_reason: the last one stands
            }
          }
        }
      }
    }

    /**
     * One delta into the message. Content and refusal are appended as before; tool calls merge by
     * index; any other field merges as OpenAI streams fields: text is appended, arrays are
     * concatenated ({@code annotations}), objects merge field by field ({@code function_call}),
     * anything else takes the last value. The role stays the first one given.
     */
    private void acceptDelta(JsonNode delta) {
      if (!delta.isObject()) {
        return;
      }
      for (Map.Entry<String, JsonNode> field : delta.properties()) {
        String name = field.getKey();
        JsonNode value = field.getValue();
        switch (name) {
          case "content" -> {
            if (value.isTextual()) {
              sawContent = true;
              content.append(value.asText());
            }
          }
          case "refusal" -> {
            if (value.isTextual()) {
              sawRefusal = true;
              refusal.append(value.asText());
            }
          }
          case "role" -> {
            if (value.isTextual() && role == null) {
              role = value.asText();
            }
          }
          case "tool_calls" -> acceptToolCalls(value);
          default -> merge(message, name, value);
        }
      }
    }

    private void acceptToolCalls(JsonNode calls) {
      for (JsonNode call : calls) {
        ObjectNode assembled =
            toolCalls.computeIfAbsent(
                call.path("index").asInt(toolCalls.size()), i -> newToolCall());
        for (Map.Entry<String, JsonNode> field : call.properties()) {
          String name = field.getKey();
          JsonNode value = field.getValue();
          switch (name) {
            case "index" -> {}
            case "id", "type" -> { // named once, or repeated by some servers: never joined
              if (!value.isNull()) {
                assembled.set(name, value);
              }
            }
            default -> merge(assembled, name, value); // function: name and arguments appended
          }
        }
      }
    }

    /** Merges a streamed field into {@code target} (see {@link #acceptDelta}). */
    private static void merge(ObjectNode target, String name, JsonNode value) {
      JsonNode current = target.get(name);
      if (value.isNull()) {
        if (current == null) {
          target.putNull(name);
        }
      } else if (value.isTextual() && current != null && current.isTextual()) {
        target.put(name, current.asText() + value.asText());
      } else if (value.isArray() && current != null && current.isArray()) {
        ((ArrayNode) current).addAll((ArrayNode) value);
      } else if (value.isObject() && current != null && current.isObject()) {
        value.properties().forEach(e -> merge((ObjectNode) current, e.getKey(), e.getValue()));
      } else {
        target.set(name, value.deepCopy());
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
      message.put("role", role == null ? "assistant" : role);
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
      this.message.properties().forEach(e -> message.set(e.getKey(), e.getValue()));
      if (logprobsContent == null && logprobsRefusal == null) {
        choice.putNull("logprobs");
      } else {
        ObjectNode logprobs = choice.putObject("logprobs");
        logprobs.set("content", logprobsContent);
        logprobs.set("refusal", logprobsRefusal);
      }
      String reason = finishReason == null && cut ? "length" : finishReason;
      choice.put("finish_reason", reason);
      extras.properties().forEach(e -> choice.set(e.getKey(), e.getValue()));
      return choice;
    }
  }
}
