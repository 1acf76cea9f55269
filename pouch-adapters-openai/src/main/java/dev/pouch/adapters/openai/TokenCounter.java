package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ResponsesRequest;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Counts tokens, and bounds from above the prompt tokens OpenAI (or a compatible server) bills for
 * a chat request, so a reservation made from the count is never too small.
 *
 * <p>Message framing follows OpenAI's cookbook, <a
 * href="https://github.com/openai/openai-cookbook/blob/main/examples/How_to_count_tokens_with_tiktoken.ipynb">How
 * to count tokens with tiktoken</a>, which matches the API's {@code prompt_tokens} exactly for
 * plain messages. Everything the cookbook does not cover is bounded generously instead (see {@link
 * #promptTokens}). Thread-safe; create one and share it (the encodings are loaded once).
 */
public final class TokenCounter {
  /** Framing of each message: {@code <|start|>{role}<|message|>…<|end|>} (cookbook). */
  static final long TOKENS_PER_MESSAGE = 3;

  /** A {@code name} field costs one token beyond its text (cookbook). */
  static final long TOKENS_PER_NAME = 1;

  /** Every reply is primed with {@code <|start|>assistant<|message|>} (cookbook). */
  static final long REPLY_PRIMING = 3;

  /**
   * Added per tool, tool call or tool-shaping field on top of the tokens of its JSON text. OpenAI
   * renders function definitions in an undocumented internal format; the cookbook's fitted
   * constants for it are 7–10 tokens per function plus 12 once. The JSON text already has more
   * tokens than that format (quotes, braces, {@code "type"} keys), so JSON + 10 per tool + 12 once
   * is above it.
   */
  static final long TOKENS_PER_TOOL = 10;

  /** Added once when tools or functions are defined (the cookbook's {@code func_end}). */
  static final long TOOLS_BLOCK = 12;

  /**
   * Allowance between the parts of an array {@code content}: OpenAI does not document how parts are
   * joined, and counting each part alone could in theory miss a token at a boundary.
   */
  static final long TOKENS_PER_PART = 1;

  /**
   * Image bound when the model is unknown: the largest per-image cost known (gpt-4o-mini, 2833 +
   * 5667 × 8 tiles).
   */
  static final long UNKNOWN_MODEL_IMAGE_TOKENS = 48_169;

  /**
   * What a part whose size cannot be seen counts for when the model (so its context window) is
   * unknown: more than any known context window.
   */
  static final long UNKNOWN_MODEL_CONTEXT_TOKENS = 2_000_000;

  /**
   * With {@link TokenEncoding#BYTES} (a server's own chat template, unseen by Pouch): its
   * boilerplate, such as BOS/EOS tokens and a default system prompt (Qwen2.5 adds one of 68 bytes
   * when the request has none), in bytes rounded up generously.
   */
  static final long TEMPLATE_ALLOWANCE = 128;

  /**
   * With {@link TokenEncoding#BYTES} and tools: the instructions chat templates wrap tool
   * definitions in (Qwen2.5's and Llama 3.1's are about 300–500 bytes), rounded up.
   */
  static final long TOOLS_TEMPLATE_ALLOWANCE = 1_024;

  /** Top-level fields holding lists of definitions: each item is one tool. */
  private static final List<String> TOOL_LISTS = List.of("tools", "functions");

  /** Top-level fields that shape the prompt with their JSON: counted as one tool each. */
  private static final List<String> TOOL_SETTINGS =
      List.of("tool_choice", "function_call", "response_format");

  /** Top-level fields of a Responses request that shape the prompt like tool definitions. */
  private static final List<String> RESPONSES_TOOL_FIELDS = List.of("tools", "tool_choice", "text");

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final Encoding o200k;
  private final Encoding cl100k;

  /** Loads the two OpenAI encodings (lazily, on first use of each). */
  public TokenCounter() {
    EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    this.o200k = registry.getEncoding(EncodingType.O200K_BASE);
    this.cl100k = registry.getEncoding(EncodingType.CL100K_BASE);
  }

  /**
   * Tokens of {@code text} in {@code encoding}. Text that looks like a special token ({@code
   * <|endoftext|>}) is counted as ordinary text, which is how OpenAI treats user input. A lone
   * surrogate (valid in JSON, not in UTF-8) counts as U+FFFD, as tiktoken replaces it.
   */
  public long count(String text, TokenEncoding encoding) {
    Objects.requireNonNull(encoding, "encoding");
    if (text == null || text.isEmpty()) {
      return 0;
    }
    return switch (encoding) {
      case O200K_BASE -> o200k.countTokensOrdinary(wellFormed(text));
      case CL100K_BASE -> cl100k.countTokensOrdinary(wellFormed(text));
      case BYTES -> utf8Bytes(text);
    };
  }

  /** {@code text} with each lone surrogate replaced by U+FFFD (jtokkit refuses them). */
  static String wellFormed(String text) {
    StringBuilder fixed = null;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (!Character.isSurrogate(c)) {
        if (fixed != null) {
          fixed.append(c);
        }
        continue;
      }
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < length
              && Character.isLowSurrogate(text.charAt(i + 1));
      if (pair) {
        if (fixed != null) {
          fixed.append(c).append(text.charAt(i + 1));
        }
        i++;
      } else {
        if (fixed == null) {
          fixed = new StringBuilder(length).append(text, 0, i);
        }
        fixed.append('\uFFFD');
      }
    }
    return fixed == null ? text : fixed.toString();
  }

  /**
   * An upper bound of the prompt tokens billed for {@code request} on {@code modelOrNull}:
   *
   * <ul>
   *   <li>each message: 3 tokens, +1 with a {@code name}, plus every string field's tokens
   *       (cookbook); a reply priming of 3;
   *   <li>an array {@code content}: text parts' tokens, {@link PricedModel#maxImageTokens} per
   *       {@code image_url}, the context window per {@code file} (a PDF is billed per page, as text
   *       and as an image, and a {@code file_id} hides its size: nothing smaller is a bound), the
   *       UTF-8 bytes of the JSON of any other part ({@code input_audio} included), +1 per part;
   *   <li>{@code tool_calls}/{@code function_call} on a message, and {@code tools}, {@code
   *       functions}, {@code tool_choice}, {@code function_call}, {@code response_format} at the
   *       top: tokens of their JSON + 10 per tool (+12 once with tools);
   *   <li>an assistant {@code audio} reference: the context window (the earlier audio answer is
   *       billed again, and its length is not in the request);
   *   <li>any other value that is not a string: the UTF-8 bytes of its JSON (never throws);
   *   <li>a top-level field that is neither bounded above nor neutral ({@link ChatFields}, a
   *       server's own extension): the UTF-8 bytes of its JSON;
   *   <li>an unknown model ({@code null}): bytes for text, 48,169 per image; {@link
   *       TokenEncoding#BYTES}: plus an allowance for the server's chat template.
   * </ul>
   */
  public long promptTokens(ChatRequest request, PricedModel modelOrNull) {
    return promptTokens(request, Bounds.of(modelOrNull, false));
  }

  /**
   * A cheap upper bound of {@link #promptTokens}: the same bound with every text counted as its
   * UTF-8 bytes instead of tokenized, about 50–100 times faster for o200k. cl100k and o200k are
   * byte-level BPE encodings: each token stands for at least one byte of the UTF-8 text (a lone
   * surrogate, replaced by U+FFFD, counts its 3 bytes), so a text never has more tokens than bytes
   * and this is never below {@link #promptTokens}. It is typically 3–4 times above it for English:
   * good enough to reserve against a large headroom, not near the limit.
   */
  public long promptTokensBound(ChatRequest request, PricedModel modelOrNull) {
    return promptTokens(request, Bounds.of(modelOrNull, true));
  }

  private long promptTokens(ChatRequest request, Bounds bounds) {
    long total = 0;
    for (Object message : request.messages()) {
      total = add(total, message(message, bounds));
    }
    total = add(total, REPLY_PRIMING);
    Map<String, Object> body = request.body();
    boolean tools = false;
    for (String field : TOOL_LISTS) {
      Object value = body.get(field);
      if (value != null) {
        total = add(total, structured(value, bounds));
        tools |= !(value instanceof List<?> list) || !list.isEmpty();
      }
    }
    for (String field : TOOL_SETTINGS) {
      Object value = body.get(field);
      if (value != null) {
        total = add(total, structured(value, bounds));
      }
    }
    if (tools) {
      total = add(total, TOOLS_BLOCK);
    }
    for (Map.Entry<String, Object> field : body.entrySet()) {
      if (field.getValue() != null && ChatFields.isExtra(field.getKey())) {
        total = add(total, jsonBytes(field.getValue())); // as if rendered into the prompt once
      }
    }
    if (bounds.encoding == TokenEncoding.BYTES) {
      total = add(total, TEMPLATE_ALLOWANCE);
      if (tools) {
        total = add(total, TOOLS_TEMPLATE_ALLOWANCE);
      }
    }
    return total;
  }

  private long message(Object message, Bounds bounds) {
    if (!(message instanceof Map<?, ?> fields)) {
      return add(TOKENS_PER_MESSAGE, jsonBytes(message));
    }
    long tokens = TOKENS_PER_MESSAGE;
    for (Map.Entry<?, ?> field : fields.entrySet()) {
      Object key = field.getKey();
      Object value = field.getValue();
      long fieldTokens;
      if ("content".equals(key)) {
        fieldTokens = content(value, bounds);
      } else if ("tool_calls".equals(key) || "function_call".equals(key)) {
        fieldTokens = structured(value, bounds);
      } else if ("audio".equals(key) && value != null) {
        fieldTokens = bounds.unseenPart;
      } else {
        fieldTokens = scalar(value, bounds);
        if ("name".equals(key)) {
          fieldTokens = add(fieldTokens, TOKENS_PER_NAME);
        }
      }
      tokens = add(tokens, fieldTokens);
    }
    return tokens;
  }

  private long content(Object content, Bounds bounds) {
    if (content == null) {
      return 0;
    }
    if (!(content instanceof List<?> parts)) {
      return scalar(content, bounds);
    }
    long tokens = 0;
    for (Object part : parts) {
      tokens = add(tokens, add(TOKENS_PER_PART, part(part, bounds)));
    }
    return tokens;
  }

  private long part(Object part, Bounds bounds) {
    if (part instanceof Map<?, ?> fields) {
      Object type = fields.get("type");
      if ("text".equals(type) && fields.get("text") instanceof String text) {
        return text(text, bounds);
      }
      if ("image_url".equals(type)) {
        return bounds.imageTokens;
      }
      if ("file".equals(type)) {
        return bounds.unseenPart;
      }
    }
    // input_audio (base64 is far more bytes than audio tokens), refusal, anything new: bytes.
    return jsonBytes(part);
  }

  /** A string in the model's encoding; anything else as the bytes of its JSON. */
  private long scalar(Object value, Bounds bounds) {
    if (value == null) {
      return 0;
    }
    return value instanceof String text ? text(text, bounds) : jsonBytes(value);
  }

  /** Tool definitions, tool calls and similar: their JSON text, plus a margin per item. */
  private long structured(Object value, Bounds bounds) {
    long items = value instanceof List<?> list ? list.size() : 1;
    long overhead = items * TOKENS_PER_TOOL;
    String json = toJson(value);
    long text = json == null ? jsonBytes(value) : text(json, bounds);
    return add(text, overhead);
  }

  /**
   * UTF-8 bytes of a value's JSON: above its token count in any byte-level encoding. Falls back to
   * three bytes per character of its {@code toString()} if it cannot be written as JSON.
   */
  static long jsonBytes(Object value) {
    String json = toJson(value);
    if (json != null) {
      return utf8Bytes(json);
    }
    return 3L * String.valueOf(value).length();
  }

  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
  }

  /**
   * UTF-8 length without encoding. A lone surrogate counts 3 (its WTF-8 size), never less than what
   * any encoder would turn it into.
   */
  static long utf8Bytes(String text) {
    long bytes = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < length
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /**
   * An upper bound of the prompt tokens billed for a Responses API request, by the rules of {@link
   * #promptTokens(ChatRequest, PricedModel)}: {@code instructions} and a string {@code input} are
   * each a message; each input item is a message whose string fields are counted (a message's text,
   * a function call's name and arguments, a tool output …), its content parts as chat's ({@code
   * input_text}/{@code output_text}/{@code refusal} their text, {@code input_image} the model's
   * image bound, {@code input_file} the context window, anything else the bytes of its JSON);
   * {@code tools}, {@code tool_choice} and {@code text} (a structured output's schema) as tool
   * definitions; a field an admin allowed as the bytes of its JSON.
   */
  public long promptTokens(ResponsesRequest request, PricedModel modelOrNull) {
    return promptTokens(request, Bounds.of(modelOrNull, false));
  }

  /** {@link #promptTokens(ResponsesRequest, PricedModel)} with texts as their UTF-8 bytes. */
  public long promptTokensBound(ResponsesRequest request, PricedModel modelOrNull) {
    return promptTokens(request, Bounds.of(modelOrNull, true));
  }

  private long promptTokens(ResponsesRequest request, Bounds bounds) {
    long total = REPLY_PRIMING;
    if (request.instructions() != null) {
      total = add(total, add(TOKENS_PER_MESSAGE, text(request.instructions(), bounds)));
    }
    Object input = request.input();
    if (input instanceof String text) {
      total = add(total, add(TOKENS_PER_MESSAGE, text(text, bounds)));
    } else if (input instanceof List<?> items) {
      for (Object item : items) {
        total = add(total, inputItem(item, bounds));
      }
    }
    Map<String, Object> body = request.body();
    Object tools = body.get("tools");
    boolean hasTools = tools instanceof List<?> list && !list.isEmpty();
    for (String field : RESPONSES_TOOL_FIELDS) {
      Object value = body.get(field);
      if (value != null) {
        total = add(total, structured(value, bounds));
      }
    }
    if (hasTools) {
      total = add(total, TOOLS_BLOCK);
    }
    for (Map.Entry<String, Object> field : body.entrySet()) {
      if (field.getValue() != null && ResponsesFields.isExtra(field.getKey())) {
        total = add(total, jsonBytes(field.getValue())); // as if rendered into the prompt once
      }
    }
    if (bounds.encoding == TokenEncoding.BYTES) {
      total = add(total, TEMPLATE_ALLOWANCE);
      if (hasTools) {
        total = add(total, TOOLS_TEMPLATE_ALLOWANCE);
      }
    }
    return total;
  }

  private long inputItem(Object item, Bounds bounds) {
    if (!(item instanceof Map<?, ?> fields)) {
      return add(TOKENS_PER_MESSAGE, jsonBytes(item));
    }
    long tokens = TOKENS_PER_MESSAGE;
    for (Map.Entry<?, ?> field : fields.entrySet()) {
      Object key = field.getKey();
      Object value = field.getValue();
      if (("content".equals(key) || "output".equals(key)) && value instanceof List<?> parts) {
        for (Object part : parts) {
          tokens = add(tokens, add(TOKENS_PER_PART, responsesPart(part, bounds)));
        }
      } else {
        tokens = add(tokens, scalar(value, bounds));
      }
    }
    return tokens;
  }

  private long responsesPart(Object part, Bounds bounds) {
    if (part instanceof Map<?, ?> fields) {
      Object type = fields.get("type");
      if (("input_text".equals(type) || "output_text".equals(type) || "text".equals(type))
          && fields.get("text") instanceof String text) {
        return text(text, bounds);
      }
      if ("refusal".equals(type) && fields.get("refusal") instanceof String refusal) {
        return text(refusal, bounds);
      }
      if ("input_image".equals(type)) {
        return bounds.imageTokens;
      }
      if ("input_file".equals(type)) {
        return bounds.unseenPart;
      }
    }
    return jsonBytes(part); // annotations, logprobs, anything new: its bytes
  }

  /**
   * A lower bound of a Responses request's prompt tokens: one per message ({@code instructions}, a
   * string input, each input item), as {@link #promptTokensAtLeast(ChatRequest)}.
   */
  long promptTokensAtLeast(ResponsesRequest request) {
    long messages = request.instructions() == null ? 0 : 1;
    Object input = request.input();
    if (input instanceof String) {
      messages++;
    } else if (input instanceof List<?> items) {
      messages += items.size();
    }
    return messages;
  }

  /**
   * A lower bound of the prompt tokens billed for {@code request}, without tokenizing: one per
   * message. Every chat format frames each message with at least one token of its own (a role or
   * special token, which byte-pair merges cannot join to a neighbour), whatever the encoding. Low
   * on purpose: reported usage below it cannot be true, and flagging an honest upstream would
   * over-charge it.
   */
  long promptTokensAtLeast(ChatRequest request) {
    return request.messages().size();
  }

  /**
   * Output tokens a predicted output can add to the bill beyond {@code max_tokens}: OpenAI bills a
   * prediction's rejected tokens as output. Bounded by the UTF-8 bytes of its JSON (bytes ≥ tokens
   * for byte-level BPE, whatever the prediction's shape).
   */
  long predictionBound(ChatRequest request) {
    Object prediction = request.body().get("prediction");
    return prediction == null ? 0 : jsonBytes(prediction);
  }

  /** Tokens of a text of the prompt: counted, or bounded by its bytes for a quick bound. */
  private long text(String text, Bounds bounds) {
    return bounds.quick ? utf8Bytes(text) : count(text, bounds.encoding);
  }

  /** Adds without wrapping: a saturated count is still an upper bound. */
  private static long add(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /** The per-model numbers a count needs. */
  private record Bounds(TokenEncoding encoding, long imageTokens, long unseenPart, boolean quick) {
    static Bounds of(PricedModel model, boolean quick) {
      if (model == null) {
        return new Bounds(
            TokenEncoding.BYTES, UNKNOWN_MODEL_IMAGE_TOKENS, UNKNOWN_MODEL_CONTEXT_TOKENS, quick);
      }
      return new Bounds(model.encoding(), model.maxImageTokens(), model.contextWindow(), quick);
    }
  }
}
