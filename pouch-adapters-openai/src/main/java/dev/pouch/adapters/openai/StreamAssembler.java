package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.AnswerAssembler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a streamed answer back into the plain {@code chat.completion} a client asked for (DESIGN §3
 * step 5): Pouch asks the upstream for a stream even for plain requests, so it can stop an upstream
 * that ignores {@code max_tokens} at the cap, where a plain answer could only be paid for after the
 * fact. Framing only: Pouch's core pulls and meters the stream (cut, break, settlement) and hands
 * each chunk here. Every field the upstream streamed is kept (content, refusal, reasoning, tool
 * calls, logprobs, annotations, finish reasons, a provider's own fields) and usage is the
 * upstream's, or else the stream's count.
 */
final class StreamAssembler implements AnswerAssembler {
  private final OpenAiStream stream;
  private final Map<Integer, ChoiceState> choices = new TreeMap<>();
  private ObjectNode head;
  private JsonNode reportedUsage;
  private final boolean alwaysTrees;

  StreamAssembler(OpenAiStream stream) {
    this(stream, false);
  }

  /**
   * @param alwaysTrees assemble every chunk from its tree, as the reference the simple-chunk path
   *     is tested against
   */
  StreamAssembler(OpenAiStream stream, boolean alwaysTrees) {
    this.alwaysTrees = alwaysTrees;
    this.stream = stream;
  }

  /** Reads the chunk the stream just returned, from what its meter already parsed. */
  @Override
  public void accept(byte[] chunk) {
    ChunkFacts facts = stream.lastFacts(); // read once, by the stream's meter
    if (facts == null) {
      return; // not JSON
    }
    if (head == null || !facts.simple() || alwaysTrees) {
      try {
        accept(stream.lastDataTree());
      } catch (IOException parsedOnceAlready) {
        throw new UncheckedIOException(parsedOnceAlready);
      }
    } else {
      accept(facts); // most chunks: no tree needed
    }
  }

  @Override
  public byte[] answer(boolean cut) {
    return body(stream.usage(), cut);
  }

  @Override
  public byte[] failure(String message) {
    return ErrorJson.upstreamError(message);
  }

  /**
   * A chunk read from its tree, keeping every field: the head's fields as the first chunk gave
   * them, any other top-level field as the last chunk gave it (a provider's {@code citations}), and
   * each choice merged whole.
   */
  private void accept(JsonNode chunk) {
    if (chunk.has("error")) {
      return; // the upstream failed mid-answer: the stream is not finished, the core answers 502
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

  private byte[] body(Usage usage, boolean cut) {
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
