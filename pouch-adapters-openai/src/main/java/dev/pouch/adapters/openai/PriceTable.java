package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pouch.domain.money.Micros;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.money.PriceTier;
import dev.pouch.domain.provider.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An immutable table of model prices and limits, read from JSON (format in {@code docs/PRICES.md}).
 *
 * <p>Lookups fail closed: a model is priced only by its own entry or by the entry it is a dated
 * snapshot of ({@code gpt-4o-2024-08-06} → {@code gpt-4o}); anything else (a {@code -preview}, a
 * {@code -32k}, a {@code -realtime} variant) is unknown, because its price may differ.
 */
final class PriceTable {
  /** Class-path resource of the table shipped with Pouch. */
  static final String BUNDLED_RESOURCE = "openai-prices.json";

  /**
   * Images of a model whose entry does not say: the largest bound known (gpt-4o-mini's), since an
   * override entry without the field may well describe a model with expensive images.
   */
  static final long DEFAULT_MAX_IMAGE_TOKENS = 48_169;

  /** A snapshot suffix: {@code -2024-08-06} or {@code -0125}. Nothing else counts as one. */
  private static final Pattern SNAPSHOT_SUFFIX = Pattern.compile("-\\d{4}(-\\d{2}-\\d{2})?");

  private static final Set<String> TOP_FIELDS = Set.of("version", "source", "models");
  private static final Set<String> MODEL_FIELDS =
      Set.of(
          "id",
          "input_usd_per_mtok",
          "cached_input_usd_per_mtok",
          "output_usd_per_mtok",
          "context_window",
          "max_output_tokens",
          "encoding",
          "reasoning",
          "max_image_tokens",
          "provenance",
          "long_context");
  private static final Set<String> TIER_FIELDS =
      Set.of(
          "above_input_tokens",
          "input_usd_per_mtok",
          "cached_input_usd_per_mtok",
          "output_usd_per_mtok");

  // Floats as BigDecimal (0.1 stays 0.1), and duplicate keys refused rather than silently
  // last-wins.
  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          .build();

  private final String version;
  private final String source;
  private final Map<String, PricedModel> byId;

  private PriceTable(String version, String source, Map<String, PricedModel> byId) {
    this.version = version;
    this.source = source;
    this.byId = byId;
  }

  /**
   * Reads a table, refusing anything it does not understand.
   *
   * @param sourceName names the input in error messages (a file path or resource name)
   * @throws IllegalArgumentException naming the entry and field at fault
   * @throws UncheckedIOException when the stream cannot be read
   */
  static PriceTable parse(InputStream json, String sourceName) {
    Objects.requireNonNull(json, "json");
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          sourceName + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(sourceName + ": cannot be read", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(sourceName + ": must be a JSON object");
    }
    String where = sourceName + ":";
    refuseUnknownFields(root, TOP_FIELDS, where);
    String version = requiredText(root, "version", where);
    String source = optionalText(root, "source", where, "");
    JsonNode models = root.get("models");
    if (models == null || !models.isArray()) {
      throw new IllegalArgumentException(where + " field 'models' must be an array");
    }
    Map<String, PricedModel> byId = new LinkedHashMap<>();
    for (int i = 0; i < models.size(); i++) {
      PricedModel model = parseModel(models.get(i), sourceName, i);
      if (byId.putIfAbsent(model.id(), model) != null) {
        throw new IllegalArgumentException(
            sourceName + ": models[" + i + "] repeats the id '" + model.id() + "'");
      }
    }
    return new PriceTable(version, source, byId);
  }

  /** The table shipped with Pouch, read once. */
  static PriceTable bundled() {
    return Bundled.TABLE;
  }

  /**
   * This table with the entries of {@code override} added, an entry with an existing id replacing
   * it whole (no field-by-field merge, so an override never half-inherits a price).
   */
  PriceTable overriddenBy(PriceTable override) {
    Map<String, PricedModel> merged = new LinkedHashMap<>(byId);
    merged.putAll(override.byId);
    return new PriceTable(version + "+" + override.version, source, merged);
  }

  /** The same entries under another version string. */
  PriceTable withVersion(String newVersion) {
    return new PriceTable(newVersion, source, byId);
  }

  /**
   * The entry pricing {@code model}: its own, else the longest id it is a dated snapshot of ({@code
   * id + "-YYYY-MM-DD"} or {@code id + "-NNNN"}); case-sensitive; empty when neither.
   */
  Optional<PricedModel> find(String model) {
    if (model == null) {
      return Optional.empty();
    }
    PricedModel exact = byId.get(model);
    if (exact != null) {
      return Optional.of(exact);
    }
    PricedModel best = null;
    for (PricedModel candidate : byId.values()) {
      String id = candidate.id();
      if (model.startsWith(id)
          && SNAPSHOT_SUFFIX.matcher(model.substring(id.length())).matches()
          && (best == null || id.length() > best.id().length())) {
        best = candidate;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The provider's view of {@code model}, priced by this table; {@code pricedAs} names the entry
   * and table version, e.g. {@code gpt-4o@2026-11-25}.
   */
  Optional<ModelInfo> modelInfo(String model) {
    return find(model).map(entry -> entry.toModelInfo(model, entry.id() + "@" + version));
  }

  /** Every entry, in table order (bundled first, then entries only an override has). */
  List<PricedModel> models() {
    return List.copyOf(byId.values());
  }

  /** The table version; {@code bundled+override} after {@link #overriddenBy}. */
  String version() {
    return version;
  }

  /** The table's own description of where its numbers come from. */
  String source() {
    return source;
  }

  private static PricedModel parseModel(JsonNode node, String sourceName, int index) {
    String entry = sourceName + ": models[" + index + "]";
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(entry + " must be an object");
    }
    JsonNode idNode = node.get("id");
    if (idNode != null && idNode.isTextual()) {
      entry = entry + " (id '" + idNode.asText() + "')";
    }
    refuseUnknownFields(node, MODEL_FIELDS, entry);
    String id = requiredText(node, "id", entry);
    ModelPrice price = parsePrice(node, entry);
    long contextWindow = positiveInteger(node, "context_window", entry, null);
    long maxOutput = positiveInteger(node, "max_output_tokens", entry, null);
    TokenEncoding encoding;
    try {
      // No encoding named = a tokenizer Pouch does not know: count bytes, the safe upper bound.
      encoding =
          TokenEncoding.fromTableName(
              optionalText(node, "encoding", entry, TokenEncoding.BYTES.tableName()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(entry + " field 'encoding': " + e.getMessage(), e);
    }
    boolean reasoning = false;
    JsonNode reasoningNode = node.get("reasoning");
    if (reasoningNode != null) {
      if (!reasoningNode.isBoolean()) {
        throw new IllegalArgumentException(entry + " field 'reasoning' must be true or false");
      }
      reasoning = reasoningNode.booleanValue();
    }
    long maxImage = positiveInteger(node, "max_image_tokens", entry, DEFAULT_MAX_IMAGE_TOKENS);
    String provenance = optionalText(node, "provenance", entry, sourceName);
    List<PriceTier> tiers = new ArrayList<>();
    JsonNode longContext = node.get("long_context");
    if (longContext != null) {
      if (!longContext.isArray()) {
        throw new IllegalArgumentException(entry + " field 'long_context' must be an array");
      }
      for (int t = 0; t < longContext.size(); t++) {
        tiers.add(parseTier(longContext.get(t), entry + " long_context[" + t + "]"));
      }
    }
    try {
      return new PricedModel(
          id, price, tiers, contextWindow, maxOutput, encoding, reasoning, maxImage, provenance);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(entry + ": " + e.getMessage(), e);
    }
  }

  private static PriceTier parseTier(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " must be an object");
    }
    refuseUnknownFields(node, TIER_FIELDS, where);
    long above = positiveInteger(node, "above_input_tokens", where, null);
    return new PriceTier(above, parsePrice(node, where));
  }

  private static ModelPrice parsePrice(JsonNode node, String where) {
    long input = usd(node, "input_usd_per_mtok", where);
    long output = usd(node, "output_usd_per_mtok", where);
    long cached =
        node.has("cached_input_usd_per_mtok")
            ? usd(node, "cached_input_usd_per_mtok", where)
            : input; // no cache discount stated: assume none
    if (cached > input) {
      throw new IllegalArgumentException(
          where + " field 'cached_input_usd_per_mtok' cannot exceed 'input_usd_per_mtok'");
    }
    return new ModelPrice(input, cached, output);
  }

  /** A non-negative dollar amount, written as a decimal string ("2.50") or a JSON number. */
  private static long usd(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null) {
      throw new IllegalArgumentException(where + " field '" + field + "' is required");
    }
    BigDecimal amount;
    if (value.isNumber()) {
      amount = value.decimalValue();
    } else if (value.isTextual()) {
      try {
        amount = new BigDecimal(value.textValue().strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            where + " field '" + field + "' must be a decimal, got \"" + value.textValue() + "\"",
            e);
      }
    } else {
      throw new IllegalArgumentException(
          where + " field '" + field + "' must be a decimal string or number");
    }
    if (amount.signum() < 0) {
      throw new IllegalArgumentException(
          where + " field '" + field + "' cannot be negative: " + amount.toPlainString());
    }
    try {
      return Micros.fromUsd(amount);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          where + " field '" + field + "' is out of range: " + amount.toPlainString(), e);
    }
  }

  private static long positiveInteger(JsonNode node, String field, String where, Long fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      if (fallback == null) {
        throw new IllegalArgumentException(where + " field '" + field + "' is required");
      }
      return fallback;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1) {
      throw new IllegalArgumentException(
          where + " field '" + field + "' must be a positive integer, got " + value);
    }
    return value.longValue();
  }

  private static String requiredText(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.textValue().isBlank()) {
      throw new IllegalArgumentException(
          where + " field '" + field + "' is required and must be a non-empty string");
    }
    return value.textValue();
  }

  private static String optionalText(JsonNode node, String field, String where, String fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException(where + " field '" + field + "' must be a string");
    }
    return value.textValue();
  }

  private static void refuseUnknownFields(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new IllegalArgumentException(where + " has an unknown field '" + name + "'");
      }
    }
  }

  /** Holder idiom: the bundled table is parsed on first use, once. */
  private static final class Bundled {
    static final PriceTable TABLE = load();

    private static PriceTable load() {
      try (InputStream in = PriceTable.class.getResourceAsStream(BUNDLED_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "the bundled price table is missing: " + BUNDLED_RESOURCE);
        }
        return parse(in, BUNDLED_RESOURCE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
