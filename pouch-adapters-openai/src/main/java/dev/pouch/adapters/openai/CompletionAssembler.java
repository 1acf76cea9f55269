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
 * Turns a streamed legacy completion back into the plain {@code text_completion} a client asked
 * for, as {@link StreamAssembler} does for chat: Pouch asks the upstream for a stream so it can
 * stop one that ignores {@code max_tokens} at the cap, and only frames the answer here. Lossless:
 * each choice's text is joined, its {@code logprobs} arrays ({@code tokens}, {@code
 * token_logprobs}, {@code top_logprobs}, {@code text_offset}) concatenated, any other field kept as
 * last given; the head as the first chunk gave it; usage the upstream's, or else the stream's
 * count. Chunks are read from their trees (legacy completions are rare enough not to need the chat
 * path's speed).
 */
final class CompletionAssembler implements AnswerAssembler {
  private static final String DEFAULT_ID = "cmpl-pouch";

  private final OpenAiStream stream;
  private final ObjectNode head = OpenAiProvider.MAPPER.createObjectNode();
  private final Map<Integer, ObjectNode> choices = new TreeMap<>();
  private JsonNode reportedUsage;

  CompletionAssembler(OpenAiStream stream) {
    this.stream = stream;
  }

  @Override
  public void accept(byte[] chunk) {
    if (stream.lastFacts() == null) {
      return; // not JSON ([DONE])
    }
    try {
      accept(stream.lastDataTree());
    } catch (IOException parsedOnceAlready) {
      throw new UncheckedIOException(parsedOnceAlready);
    }
  }

  private void accept(JsonNode chunk) {
    if (chunk.has("error")) {
      return; // the upstream failed mid-answer: the stream is not finished, the core answers 502
    }
    for (Map.Entry<String, JsonNode> field : chunk.properties()) {
      String name = field.getKey();
      JsonNode value = field.getValue();
      switch (name) {
        case "choices", "object" -> {}
        case "usage" -> {
          if (value.isObject()) {
            reportedUsage = value;
          }
        }
        case "id", "created", "model", "system_fingerprint" -> {
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
      int index = choice.path("index").asInt();
      ObjectNode assembled = choices.computeIfAbsent(index, CompletionAssembler::newChoice);
      for (Map.Entry<String, JsonNode> field : choice.properties()) {
        JsonNode value = field.getValue();
        switch (field.getKey()) {
          case "index" -> {}
          case "text" -> {
            if (value.isTextual()) {
              assembled.put("text", assembled.path("text").asText() + value.asText());
            }
          }
          case "logprobs" -> {
            if (value.isObject()) {
              mergeLogprobs(assembled, (ObjectNode) value);
            }
          }
          default -> {
            if (!value.isNull() || !assembled.has(field.getKey())) {
              assembled.set(field.getKey(), value);
            }
          }
        }
      }
    }
  }

  private static ObjectNode newChoice(int index) {
    ObjectNode choice = OpenAiProvider.MAPPER.createObjectNode();
    choice.put("text", "");
    choice.put("index", index);
    choice.putNull("logprobs");
    choice.putNull("finish_reason");
    return choice;
  }

  /** Each logprobs field's array concatenated in stream order; anything else as last given. */
  private static void mergeLogprobs(ObjectNode choice, ObjectNode logprobs) {
    JsonNode current = choice.get("logprobs");
    if (current == null || !current.isObject()) {
      choice.set("logprobs", logprobs.deepCopy());
      return;
    }
    ObjectNode merged = (ObjectNode) current;
    for (Map.Entry<String, JsonNode> field : logprobs.properties()) {
      JsonNode mine = merged.get(field.getKey());
      if (mine != null && mine.isArray() && field.getValue().isArray()) {
        ((ArrayNode) mine).addAll((ArrayNode) field.getValue());
      } else if (!field.getValue().isNull() || mine == null) {
        merged.set(field.getKey(), field.getValue().deepCopy());
      }
    }
  }

  @Override
  public byte[] answer(boolean cut) {
    Usage usage = stream.usage();
    ObjectNode answer = OpenAiProvider.MAPPER.createObjectNode();
    answer.put("id", head.path("id").asText(DEFAULT_ID));
    answer.put("object", "text_completion");
    head.properties()
        .forEach(
            e -> {
              if (!e.getKey().equals("id")) {
                answer.set(e.getKey(), e.getValue());
              }
            });
    ArrayNode list = answer.putArray("choices");
    for (ObjectNode choice : choices.values()) {
      ObjectNode copy = choice.deepCopy();
      if (cut && copy.path("finish_reason").isNull()) {
        copy.put("finish_reason", "length");
      }
      list.add(copy);
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

  @Override
  public byte[] failure(String message) {
    return ErrorJson.upstreamError(message);
  }
}
