package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.money.PriceTier;
import dev.pouch.domain.provider.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Anthropic's prices, bundled in {@code anthropic-prices.json} with their source and the date they
 * were checked: per model, input, output, 5-minute and 1-hour cache writes and cache reads in
 * micro-dollars per million tokens, and a long-context tier where one applies. A dated model id
 * ({@code claude-sonnet-4-5-20250929}) or a {@code -latest} alias takes its family's row.
 */
final class AnthropicPrices {
  static final String RESOURCE = "anthropic-prices.json";
  private static final Pattern DATED = Pattern.compile("-(\\d{8}|latest)$");

  private final String version;
  private final Map<String, ModelInfo> models;

  private AnthropicPrices(String version, Map<String, ModelInfo> models) {
    this.version = version;
    this.models = models;
  }

  /** The bundled table. */
  static AnthropicPrices bundled() {
    try (InputStream in = AnthropicPrices.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing bundled " + RESOURCE);
      }
      return parse(new ObjectMapper().readTree(in));
    } catch (IOException broken) {
      throw new UncheckedIOException(broken);
    }
  }

  static AnthropicPrices parse(JsonNode root) {
    String version = root.path("version").asText("anthropic");
    Map<String, ModelInfo> models = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> row : root.path("models").properties()) {
      JsonNode r = row.getValue();
      List<PriceTier> tiers =
          r.has("long_context")
              ? List.of(
                  new PriceTier(
                      r.get("long_context").path("above_input_tokens").asLong(),
                      price(r.get("long_context"))))
              : List.of();
      models.put(
          row.getKey(),
          new ModelInfo(
              row.getKey(),
              price(r),
              tiers,
              r.path("context_window").asLong(),
              r.path("max_output_tokens").asLong(),
              version));
    }
    return new AnthropicPrices(version, Map.copyOf(models));
  }

  private static ModelPrice price(JsonNode r) {
    return new ModelPrice(
        r.path("input").asLong(-1),
        r.path("cache_read").asLong(-1),
        r.path("output").asLong(-1),
        r.path("cache_write_5m").asLong(-1),
        r.path("cache_write_1h").asLong(-1));
  }

  /** The model's row under its name, or its family's (a date or {@code -latest} dropped). */
  Optional<ModelInfo> model(String name) {
    ModelInfo exact = models.get(name);
    if (exact != null) {
      return Optional.of(exact);
    }
    String family = DATED.matcher(name).replaceFirst("");
    ModelInfo row = models.get(family);
    if (row == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ModelInfo(
            name,
            row.price(),
            row.tiers(),
            row.contextWindow(),
            row.maxOutputTokens(),
            row.pricedAs()));
  }

  List<ModelInfo> models() {
    return models.values().stream().sorted(java.util.Comparator.comparing(ModelInfo::id)).toList();
  }

  String version() {
    return version;
  }
}
