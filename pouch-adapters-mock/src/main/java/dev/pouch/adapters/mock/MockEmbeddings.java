package dev.pouch.adapters.mock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.EmbeddingsRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The mock's answer to an embeddings request, shared by the in-process provider and the fake OpenAI
 * upstream: one deterministic unit vector per input (seeded by the input, so equal inputs embed
 * equally), {@code dimensions} long (1536, text-embedding-3-small's size, when absent), as floats
 * or as base64 little-endian float32 ({@code encoding_format}). Prompt tokens: a string input's
 * words ({@link MockTokens#count}), a token array's length.
 */
public final class MockEmbeddings {
  /** Length of a vector when the request sets no {@code dimensions}. */
  public static final int DEFAULT_DIMENSIONS = 1536;

  /** The longest vector the mock makes (text-embedding-3-large's size). */
  public static final int MAX_DIMENSIONS = 3072;

  private final EmbeddingsRequest request;
  private final long promptTokens;

  private MockEmbeddings(EmbeddingsRequest request) {
    this.request = request;
    this.promptTokens = promptTokens(request);
  }

  /** The answer to {@code request}. */
  public static MockEmbeddings of(EmbeddingsRequest request) {
    return new MockEmbeddings(request);
  }

  /** Prompt tokens of {@code request} by the mock's rule. */
  public static long promptTokens(EmbeddingsRequest request) {
    long tokens = 0;
    for (Object input : request.inputs()) {
      tokens += input instanceof String text ? MockTokens.count(text) : ((List<?>) input).size();
    }
    return tokens;
  }

  /** The exact usage: input tokens only. */
  public Usage usage() {
    return Usage.reported(promptTokens, 0);
  }

  /** OpenAI's embeddings list. */
  public byte[] toJson() {
    ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    boolean base64 = "base64".equals(request.body().get("encoding_format"));
    int dimensions = dimensions();
    List<?> inputs = request.inputs();
    for (int index = 0; index < inputs.size(); index++) {
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", index);
      float[] vector = vector(inputs.get(index), dimensions);
      if (base64) {
        item.put("embedding", base64(vector));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float value : vector) {
          values.add(value);
        }
      }
    }
    root.put("model", request.model());
    ObjectNode usage = root.putObject("usage");
    usage.put("prompt_tokens", promptTokens);
    usage.put("total_tokens", promptTokens);
    return OpenAiJson.bytes(root);
  }

  private int dimensions() {
    Object asked = request.body().get("dimensions");
    return asked instanceof Number number
        ? (int) Math.min(MAX_DIMENSIONS, number.longValue())
        : DEFAULT_DIMENSIONS;
  }

  /** A unit vector seeded by the input. */
  private static float[] vector(Object input, int dimensions) {
    SplittableRandom random = new SplittableRandom(input.hashCode());
    float[] vector = new float[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (random.nextDouble() * 2 - 1);
      norm += vector[i] * vector[i];
    }
    float scale = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dimensions; i++) {
      vector[i] *= scale;
    }
    return vector;
  }

  private static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : vector) {
      bytes.putFloat(value);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
