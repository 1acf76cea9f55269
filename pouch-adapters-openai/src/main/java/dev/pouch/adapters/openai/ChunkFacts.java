package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stream tap needs of one {@code chat.completion.chunk}: the usage object, whether the
 * chunk names a usage at all, its choices, and the output texts of their deltas. Read either from a
 * parsed tree (when the assembler of a plain answer needs the tree anyway) or straight from the
 * JSON text with a streaming parser, which builds no tree: a stream to the client only needs these
 * facts, and a tree per chunk was most of the tap's cost.
 *
 * @param usage the {@code usage} object, or null when absent or not an object
 * @param namesUsage whether the chunk has a {@code usage} field (even {@code null})
 * @param choicesIsArray whether {@code choices} is an array
 * @param choices how many elements {@code choices} has
 * @param choicesWithOutput how many choices' deltas carry output text
 * @param outputs the non-empty output texts of every delta, in order: content, refusal, reasoning
 *     and tool-call names and arguments
 */
record ChunkFacts(
    JsonNode usage,
    boolean namesUsage,
    boolean choicesIsArray,
    int choices,
    int choicesWithOutput,
    List<String> outputs) {

  /** The facts of a parsed chunk. */
  static ChunkFacts of(JsonNode chunk) {
    JsonNode usage = chunk.get("usage");
    JsonNode choices = chunk.get("choices");
    List<String> outputs = new ArrayList<>(2);
    int withOutput = 0;
    if (choices != null && choices.isArray()) {
      for (JsonNode choice : choices) {
        int before = outputs.size();
        deltaOutputs(choice.path("delta"), outputs);
        if (outputs.size() > before) {
          withOutput++;
        }
      }
    }
    return new ChunkFacts(
        usage != null && usage.isObject() ? usage : null,
        usage != null,
        choices != null && choices.isArray(),
        choices != null && choices.isArray() ? choices.size() : 0,
        withOutput,
        outputs);
  }

  /**
   * The facts of a chunk's JSON text, read with a streaming parser; only the usage object becomes a
   * tree. Malformed JSON throws, as a tree parse would.
   */
  static ChunkFacts parse(String json) throws IOException {
    try (JsonParser parser = OpenAiProvider.MAPPER.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a stream chunk is not a JSON object");
      }
      JsonNode usage = null;
      boolean namesUsage = false;
      boolean choicesIsArray = false;
      int choices = 0;
      int withOutput = 0;
      List<String> outputs = new ArrayList<>(2);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("usage".equals(field)) {
          namesUsage = true;
          usage = value == JsonToken.START_OBJECT ? parser.readValueAsTree() : null;
          if (value != JsonToken.START_OBJECT) {
            parser.skipChildren();
          }
        } else if ("choices".equals(field) && value == JsonToken.START_ARRAY) {
          choicesIsArray = true;
          choices = 0;
          withOutput = 0;
          outputs.clear();
          while (parser.nextToken() != JsonToken.END_ARRAY) {
            choices++;
            int before = outputs.size();
            if (parser.currentToken() == JsonToken.START_OBJECT) {
              readChoice(parser, outputs);
            } else {
              parser.skipChildren();
            }
            if (outputs.size() > before) {
              withOutput++;
            }
          }
        } else {
          if ("choices".equals(field)) {
            choicesIsArray = false;
            choices = 0;
            withOutput = 0;
            outputs.clear();
          }
          parser.skipChildren();
        }
      }
      return new ChunkFacts(usage, namesUsage, choicesIsArray, choices, withOutput, outputs);
    }
  }

  /**
   * Whether the chunk only carries the usage (the one the tap adds when the client did not ask).
   */
  boolean usageOnly() {
    return usage != null && choicesIsArray && choices == 0;
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

  /** Reads one choice object (the parser on its START_OBJECT) and collects its delta's texts. */
  private static void readChoice(JsonParser parser, List<String> outputs) throws IOException {
    int mark = outputs.size();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("delta".equals(field) && value == JsonToken.START_OBJECT) {
        // a repeated "delta" key: the last one counts, as in a tree
        outputs.subList(mark, outputs.size()).clear();
        readDelta(parser, outputs);
      } else {
        if ("delta".equals(field)) {
          outputs.subList(mark, outputs.size()).clear();
        }
        parser.skipChildren();
      }
    }
  }

  private static void readDelta(JsonParser parser, List<String> outputs) throws IOException {
    String[] texts = new String[OpenAiUsage.OUTPUT_FIELDS.size()];
    List<String> calls = new ArrayList<>(0);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      int index = OpenAiUsage.OUTPUT_FIELDS.indexOf(field);
      if (index >= 0) {
        texts[index] = value == JsonToken.VALUE_STRING ? parser.getText() : null;
        parser.skipChildren();
      } else if ("tool_calls".equals(field)) {
        calls.clear();
        if (value == JsonToken.START_ARRAY) {
          readToolCalls(parser, calls);
        } else {
          parser.skipChildren();
        }
      } else {
        parser.skipChildren();
      }
    }
    // the same order as a tree walk: the output fields first, then the tool calls
    for (String text : texts) {
      if (text != null) {
        addText(text, outputs);
      }
    }
    outputs.addAll(calls);
  }

  private static void readToolCalls(JsonParser parser, List<String> outputs) throws IOException {
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        parser.skipChildren();
        continue;
      }
      String name = "";
      String arguments = "";
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("function".equals(field) && value == JsonToken.START_OBJECT) {
          name = "";
          arguments = "";
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String part = parser.currentName();
            JsonToken partValue = parser.nextToken();
            String text = partValue == JsonToken.VALUE_STRING ? parser.getText() : "";
            if ("name".equals(part)) {
              name = text;
            } else if ("arguments".equals(part)) {
              arguments = text;
            }
            parser.skipChildren();
          }
        } else {
          if ("function".equals(field)) {
            name = "";
            arguments = "";
          }
          parser.skipChildren();
        }
      }
      addText(name, outputs);
      addText(arguments, outputs);
    }
  }

  private static void addText(String text, List<String> outputs) {
    if (!text.isEmpty()) {
      outputs.add(text);
    }
  }
}
