package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the stream tap needs of one {@code chat.completion.chunk} (or, read as {@link
 * Shape#TEXT_COMPLETION}, one legacy {@code text_completion} chunk): the usage object, whether the
 * chunk names a usage at all, its choices, and the output texts of their deltas; and, for the
 * assembler of a plain answer, each choice's delta when the chunk is <em>simple</em>. Read straight
 * from the JSON text with a streaming parser, which builds no tree (a tree per chunk was most of
 * the tap's and the assembler's cost); {@code ChunkFactsTest} reads the same facts from a tree, as
 * the reference the streaming parse is tested against.
 *
 * <p>A chunk is simple when the assembler needs nothing from it but its choices' index, content,
 * refusal and finish reason (and the usage): no {@code error}, {@code choices} an array of objects,
 * integer indexes, string finish reasons, no logprobs, no tool calls, no reasoning, and no field
 * beyond those and the usual head ({@link #HEAD_FIELDS}). Any other chunk is assembled from its
 * tree, which keeps every field (the plain answer is lossless).
 *
 * @param usage the {@code usage} object, or null when absent or not an object
 * @param namesUsage whether the chunk has a {@code usage} field (even {@code null})
 * @param choicesIsArray whether {@code choices} is an array
 * @param choices how many elements {@code choices} has
 * @param choicesWithOutput how many choices' deltas carry output text
 * @param outputs the non-empty output texts of every delta, in order: content, refusal, reasoning
 *     and tool-call names and arguments (of a text completion: each choice's {@code text})
 * @param simple whether {@code deltas} tell the assembler everything it needs of the chunk
 * @param deltas each choice's delta, in order, when the chunk is simple (else empty)
 * @param namesError whether the chunk has an {@code error} field: the upstream failed mid-stream
 * @param finishedChoices the indexes of the choices that carry a finish reason (an index that is
 *     not an int reads as 0)
 */
record ChunkFacts(
    JsonNode usage,
    boolean namesUsage,
    boolean choicesIsArray,
    int choices,
    int choicesWithOutput,
    List<String> outputs,
    boolean simple,
    List<ChoiceDelta> deltas,
    boolean namesError,
    List<Integer> finishedChoices) {

  /**
   * What the assembler takes from one choice of a simple chunk.
   *
   * @param index the choice's index (0 when absent)
   * @param content the delta's content when it is a string (even empty), else null
   * @param refusal the delta's refusal when it is a string (even empty), else null
   * @param finishReason the finish reason, or null
   */
  record ChoiceDelta(int index, String content, String refusal, String finishReason) {}

  /**
   * The top-level fields of a chunk that a simple chunk may have: the head every chunk repeats, its
   * choices and usage, and OpenAI's {@code obfuscation} padding (a stream-only field, never part of
   * an answer).
   */
  static final Set<String> HEAD_FIELDS =
      Set.of(
          "id",
          "object",
          "created",
          "model",
          "system_fingerprint",
          "service_tier",
          "choices",
          "usage",
          "obfuscation");

  /**
   * The facts of a chunk's JSON text, read with a streaming parser; only the usage object becomes a
   * tree. Malformed JSON throws, as a tree parse would.
   */
  static ChunkFacts parse(String json) throws IOException {
    return parse(OpenAiProvider.MAPPER.createParser(json), Shape.CHAT);
  }

  /** The facts of a chunk's JSON in {@code length} UTF-8 bytes from {@code offset}. */
  static ChunkFacts parse(byte[] json, int offset, int length) throws IOException {
    return parse(json, offset, length, Shape.CHAT);
  }

  /** The facts of a chunk of {@code shape}'s API, from its JSON text. */
  static ChunkFacts parse(String json, Shape shape) throws IOException {
    return parse(OpenAiProvider.MAPPER.createParser(json), shape);
  }

  /** The facts of a chunk of {@code shape}'s API, from {@code length} UTF-8 bytes of JSON. */
  static ChunkFacts parse(byte[] json, int offset, int length, Shape shape) throws IOException {
    return parse(OpenAiProvider.MAPPER.createParser(json, offset, length), shape);
  }

  /**
   * Where a chunk's choices hold their output: a chat chunk's in its {@code delta}, a legacy
   * completion's ({@code text_completion}) in the choice's own {@code text}, which a simple chunk's
   * {@link ChoiceDelta#content()} then holds.
   */
  enum Shape {
    CHAT,
    TEXT_COMPLETION
  }

  private static ChunkFacts parse(JsonParser json, Shape shape) throws IOException {
    try (JsonParser parser = json) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a stream chunk is not a JSON object");
      }
      JsonNode usage = null;
      boolean namesUsage = false;
      boolean choicesIsArray = false;
      int choices = 0;
      int withOutput = 0;
      List<String> outputs = new ArrayList<>(2);
      List<ChoiceDelta> deltas = new ArrayList<>(1);
      List<Integer> finished = new ArrayList<>(0);
      boolean namesError = false;
      boolean choicesSimple = true; // as far as the last "choices" field goes
      boolean headSimple = true; // no top-level field the assembler must keep
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("error".equals(field)) {
          namesError = true;
          parser.skipChildren();
        } else if ("usage".equals(field)) {
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
          deltas.clear();
          finished.clear();
          choicesSimple = true;
          while (parser.nextToken() != JsonToken.END_ARRAY) {
            choices++;
            int before = outputs.size();
            ChoiceDelta delta = null;
            if (parser.currentToken() == JsonToken.START_OBJECT) {
              delta = readChoice(parser, outputs, finished, shape);
            } else {
              parser.skipChildren();
            }
            choicesSimple &= delta != null;
            deltas.add(delta);
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
            deltas.clear();
            finished.clear();
            choicesSimple = false;
          }
          headSimple &= HEAD_FIELDS.contains(field);
          parser.skipChildren();
        }
      }
      boolean simple = !namesError && choicesSimple && headSimple;
      return new ChunkFacts(
          usage,
          namesUsage,
          choicesIsArray,
          choices,
          withOutput,
          outputs,
          simple,
          simple ? deltas : List.of(),
          namesError,
          finished.isEmpty() ? List.of() : finished);
    }
  }

  /**
   * Whether the chunk only carries the usage (the one the tap adds when the client did not ask).
   */
  boolean usageOnly() {
    return usage != null && choicesIsArray && choices == 0;
  }

  /**
   * Reads one choice object (the parser on its START_OBJECT), collects its delta's texts, and
   * returns the choice as the assembler reads it, or null when it is not simple.
   */
  private static ChoiceDelta readChoice(
      JsonParser parser, List<String> outputs, List<Integer> finished, Shape shape)
      throws IOException {
    int mark = outputs.size();
    String text = null; // a legacy completion's output
    // a repeated key counts once, with its last value, as in a tree
    int index = 0;
    boolean indexSimple = true;
    String finish = null;
    boolean finishSimple = true;
    boolean logprobsSimple = true;
    boolean othersSimple = true;
    DeltaParts delta = DeltaParts.NONE;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "delta" -> {
          outputs.subList(mark, outputs.size()).clear();
          if (value == JsonToken.START_OBJECT) {
            delta = readDelta(parser, outputs);
          } else {
            delta = DeltaParts.NONE;
            parser.skipChildren();
          }
        }
        case "index" -> {
          indexSimple =
              value == JsonToken.VALUE_NUMBER_INT
                  && parser.getNumberType() == JsonParser.NumberType.INT;
          index = indexSimple ? parser.getIntValue() : 0;
          parser.skipChildren();
        }
        case "finish_reason" -> {
          finishSimple = value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NULL;
          finish = value == JsonToken.VALUE_STRING ? parser.getText() : null;
          parser.skipChildren();
        }
        case "logprobs" -> {
          logprobsSimple = value == JsonToken.VALUE_NULL;
          parser.skipChildren();
        }
        case "text" -> {
          if (shape == Shape.TEXT_COMPLETION && value == JsonToken.VALUE_STRING) {
            text = parser.getText();
          } else {
            text = null;
            othersSimple &= shape == Shape.TEXT_COMPLETION && value == JsonToken.VALUE_NULL;
          }
          parser.skipChildren();
        }
        default -> {
          othersSimple = false; // a field the assembler must keep (vLLM's stop_reason …)
          parser.skipChildren();
        }
      }
    }
    if (text != null) {
      addText(text, outputs);
    }
    if (finish != null) {
      finished.add(index);
    }
    if (!indexSimple || !finishSimple || !logprobsSimple || !othersSimple || !delta.simple()) {
      return null;
    }
    return shape == Shape.TEXT_COMPLETION
        ? new ChoiceDelta(index, text, null, finish)
        : new ChoiceDelta(index, delta.content(), delta.refusal(), finish);
  }

  /**
   * What a delta object holds for the assembler: its string content and refusal, and whether that
   * is all it holds (no tool calls, reasoning or other fields, which the assembler reads from the
   * tree so that none is lost).
   */
  private record DeltaParts(String content, String refusal, boolean simple) {
    static final DeltaParts NONE = new DeltaParts(null, null, true);
  }

  private static DeltaParts readDelta(JsonParser parser, List<String> outputs) throws IOException {
    String[] texts = new String[OpenAiUsage.OUTPUT_FIELDS.size()];
    List<String> calls = new ArrayList<>(0);
    boolean simple = true;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      int index = OpenAiUsage.OUTPUT_FIELDS.indexOf(field);
      if (index >= 0) {
        texts[index] = value == JsonToken.VALUE_STRING ? parser.getText() : null;
        boolean plainText = "content".equals(field) || "refusal".equals(field);
        simple &= value == JsonToken.VALUE_NULL || (plainText && value == JsonToken.VALUE_STRING);
        parser.skipChildren();
      } else if ("tool_calls".equals(field)) {
        calls.clear();
        simple &= value == JsonToken.VALUE_NULL;
        if (value == JsonToken.START_ARRAY) {
          readToolCalls(parser, calls);
        } else {
          parser.skipChildren();
        }
      } else {
        // the role is the assistant's; any other field the assembler must keep from the tree
        simple &=
            "role".equals(field)
                && (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NULL);
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
    return new DeltaParts(
        texts[OpenAiUsage.OUTPUT_FIELDS.indexOf("content")],
        texts[OpenAiUsage.OUTPUT_FIELDS.indexOf("refusal")],
        simple);
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
