package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stream to the client is metered from a streaming parse of each chunk, a plain answer from the
 * chunk's tree: both must read the same facts, or a plain answer and a stream of the same tokens
 * would be charged differently.
 */
class ChunkFactsTest {

  static List<String> chunks() {
    return List.of(
        // OpenAI's usual chunks: the role, content, the finish and the usage-only one
        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
            + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\\\"lo\\n\"},"
            + "\"finish_reason\":null}],\"usage\":null}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
        "{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,"
            + "\"total_tokens\":15,\"prompt_tokens_details\":{\"cached_tokens\":0}}}",
        // several choices, only some with output; refusal and reasoning fields
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{}},"
            + "{\"index\":2,\"delta\":{\"refusal\":\"no\",\"reasoning_content\":\"think\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"r\",\"content\":\"c\"}}]}",
        // tool calls: name first, then argument pieces; odd values are not text
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
            + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
            + "{\"arguments\":\"{\\\"city\\\":\"}},{\"index\":1,\"function\":{\"name\":7}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":5,\"tool_calls\":{\"x\":1}}}]}",
        // shapes an honest upstream never sends: they must still agree
        "{\"choices\":{\"0\":{\"delta\":{\"content\":\"x\"}}},\"usage\":[1]}",
        "{\"choices\":[1,null,[{\"delta\":{\"content\":\"nested\"}}],{\"delta\":[\"a\"]}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"first\"},\"delta\":{\"content\":\"second\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"choices\":[]}",
        "{\"usage\":{\"prompt_tokens\":1},\"usage\":null}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"content\":\"b\",\"tool_calls\":"
            + "[{\"function\":{\"name\":\"n\"},\"function\":{\"arguments\":\"z\"}}]}}]}",
        "{}",
        // fields the plain answer must keep: they make a chunk go the way of its tree
        "{\"id\":\"c1\",\"citations\":[\"https://a\"],\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"x\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"stop_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\",\"annotations\":[]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"function_call\":{\"name\":\"f\"}}}]}",
        "{\"obfuscation\":\"aZ\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}");
  }

  @ParameterizedTest
  @MethodSource("chunks")
  void aStreamingParseReadsWhatTheTreeHolds(String json) throws IOException {
    ChunkFacts fromTree = fromTree(OpenAiProvider.MAPPER.readTree(json));

    ChunkFacts streamed = ChunkFacts.parse(json);
    // as the stream reads it: the UTF-8 bytes of an event, the data after "data: "
    byte[] event = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    ChunkFacts fromBytes = ChunkFacts.parse(event, 6, event.length - 8);

    assertThat(streamed).isEqualTo(fromTree);
    assertThat(fromBytes).isEqualTo(fromTree);
  }

  @Test
  void readsTheTextsAndUsageOfAChunk() throws IOException {
    ChunkFacts facts =
        ChunkFacts.parse(
            "{\"choices\":[{\"delta\":{\"content\":\"Hi\",\"tool_calls\":[{\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{}\"}}]}},{\"delta\":{}}],"
                + "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}");

    assertThat(facts.outputs()).containsExactly("Hi", "f", "{}");
    assertThat(facts.choices()).isEqualTo(2);
    assertThat(facts.choicesWithOutput()).isEqualTo(1);
    assertThat(facts.usage().path("completion_tokens").asLong()).isEqualTo(2);
    assertThat(facts.usageOnly()).isFalse();
    assertThat(ChunkFacts.parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":4}}").usageOnly())
        .isTrue();
  }

  @Test
  void malformedJsonFailsAsATreeParseWould() {
    assertThatThrownBy(() -> ChunkFacts.parse("{\"choices\":[{\"delta\":{\"content\":\"x\"}"))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> ChunkFacts.parse("{\"choices\": nope}"))
        .isInstanceOf(IOException.class);
  }

  /**
   * The reference: the facts read from the chunk's tree, as the tap and the assembler read a tree
   * before the streaming parse replaced it.
   */
  private static ChunkFacts fromTree(JsonNode chunk) {
    JsonNode usage = chunk.get("usage");
    JsonNode choices = chunk.get("choices");
    List<String> outputs = new ArrayList<>(2);
    List<ChunkFacts.ChoiceDelta> deltas = new ArrayList<>(1);
    List<Integer> finished = new ArrayList<>();
    boolean simple = !chunk.has("error") && (choices == null || choices.isArray());
    for (var fields = chunk.fieldNames(); fields.hasNext(); ) {
      simple &= ChunkFacts.HEAD_FIELDS.contains(fields.next());
    }
    int withOutput = 0;
    if (choices != null && choices.isArray()) {
      for (JsonNode choice : choices) {
        if (choice.path("finish_reason").isTextual()) {
          finished.add(choice.path("index").isInt() ? choice.path("index").asInt() : 0);
        }
        int before = outputs.size();
        deltaOutputs(choice.path("delta"), outputs);
        if (outputs.size() > before) {
          withOutput++;
        }
        ChunkFacts.ChoiceDelta delta = simpleDelta(choice);
        simple &= delta != null;
        deltas.add(delta);
      }
    }
    return new ChunkFacts(
        usage != null && usage.isObject() ? usage : null,
        usage != null,
        choices != null && choices.isArray(),
        choices != null && choices.isArray() ? choices.size() : 0,
        withOutput,
        outputs,
        simple,
        simple ? deltas : List.of(),
        chunk.has("error"),
        finished);
  }

  /** A choice's delta as the assembler reads it, or null when the choice is not simple. */
  private static ChunkFacts.ChoiceDelta simpleDelta(JsonNode choice) {
    if (!choice.isObject()) {
      return null;
    }
    JsonNode index = choice.get("index");
    JsonNode finish = choice.get("finish_reason");
    JsonNode logprobs = choice.get("logprobs");
    JsonNode delta = choice.path("delta");
    if ((index != null && !index.isInt())
        || (finish != null && !finish.isNull() && !finish.isTextual())
        || (logprobs != null && !logprobs.isNull())
        || !onlyFields(choice, "index", "delta", "finish_reason", "logprobs")
        || (delta.isObject() && !onlyAssemblerFields(delta))) {
      return null;
    }
    return new ChunkFacts.ChoiceDelta(
        index == null ? 0 : index.intValue(),
        textOrNull(delta.get("content")),
        textOrNull(delta.get("refusal")),
        finish == null || finish.isNull() ? null : finish.asText());
  }

  /**
   * A delta the assembler reads without its tree: text content and refusal, a role, and nothing
   * else that is not null.
   */
  private static boolean onlyAssemblerFields(JsonNode delta) {
    for (var field : delta.properties()) {
      JsonNode value = field.getValue();
      boolean ok =
          switch (field.getKey()) {
            case "content", "refusal", "role" -> value.isNull() || value.isTextual();
            case "reasoning_content", "reasoning", "tool_calls" -> value.isNull();
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean onlyFields(JsonNode node, String... allowed) {
    List<String> names = List.of(allowed);
    for (var fields = node.fieldNames(); fields.hasNext(); ) {
      if (!names.contains(fields.next())) {
        return false;
      }
    }
    return true;
  }

  private static String textOrNull(JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  private static void deltaOutputs(JsonNode delta, List<String> outputs) {
    if (!delta.isObject()) {
      return;
    }
    for (String field : OpenAiUsage.OUTPUT_FIELDS) {
      JsonNode text = delta.get(field);
      if (text != null && text.isTextual()) {
        addText(text.asText(), outputs);
      }
    }
    JsonNode calls = delta.get("tool_calls");
    if (calls != null && calls.isArray()) {
      for (JsonNode call : calls) {
        JsonNode function = call.path("function");
        addText(scalarText(function.path("name")), outputs);
        addText(scalarText(function.path("arguments")), outputs);
      }
    }
  }

  private static String scalarText(JsonNode node) {
    return node.isTextual() ? node.asText() : "";
  }

  private static void addText(String text, List<String> outputs) {
    if (!text.isEmpty()) {
      outputs.add(text);
    }
  }
}
