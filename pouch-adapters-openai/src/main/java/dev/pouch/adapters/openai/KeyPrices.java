package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.provider.ModelInfo;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A key's own price rows ({@code prices} in its provider config) over the server's prices: for
 * models outside the bundled table (a Llama on Groq, a fine-tune) or a price the admin negotiated.
 * A row of the key wins over the server's row for the same model. A model neither prices stays
 * unpriced, so a key with a budget still refuses it.
 *
 * @param own the key's rows, versioned {@code key-<first 8 hex of the rows' SHA-256>} so a request
 *     log row names the revision that priced it
 * @param server the server's price book
 */
record KeyPrices(PriceTable own, Prices server) implements Prices {

  /**
   * The key's rows: a JSON array of entries in {@code prices.json}'s format (docs/PRICES.md).
   *
   * @throws RequestRejectedException {@code INVALID_CONFIG} naming {@code provider.config.prices}
   *     and the entry at fault
   */
  static KeyPrices parse(String rows, Prices server) {
    try {
      JsonNode entries = OpenAiProvider.MAPPER.readTree(rows);
      if (entries == null || !entries.isArray()) {
        throw refused(OpenAiProviderFactory.PRICES + " is not a JSON array");
      }
      ObjectNode table = OpenAiProvider.MAPPER.createObjectNode();
      table.put("version", version(rows));
      table.set("models", entries);
      return new KeyPrices(
          PriceTable.parse(
              new ByteArrayInputStream(OpenAiProvider.MAPPER.writeValueAsBytes(table)),
              OpenAiProviderFactory.PRICES),
          server);
    } catch (JsonProcessingException e) {
      throw refused(OpenAiProviderFactory.PRICES + ": not valid JSON: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw refused(e.getMessage());
    }
  }

  private static RequestRejectedException refused(String why) {
    return RequestRejectedException.invalidConfig(
        UpstreamEndpoint.param(OpenAiProviderFactory.PRICES),
        why
            + " (prices is a JSON array of entries such as [{\"id\": \"my-model\","
            + " \"input_usd_per_mtok\": \"0.50\", \"output_usd_per_mtok\": \"1.50\","
            + " \"context_window\": 131072, \"max_output_tokens\": 8192}])");
  }

  private static String version(String rows) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(rows.getBytes(StandardCharsets.UTF_8));
      return "key-" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-256", impossible);
    }
  }

  @Override
  public Optional<PricedModel> find(String model) {
    return own.find(model).or(() -> server.find(model));
  }

  @Override
  public Optional<ModelInfo> modelInfo(String model) {
    return own.modelInfo(model).or(() -> server.modelInfo(model));
  }

  @Override
  public List<PricedModel> models() {
    List<PricedModel> mine = own.models();
    return Stream.concat(
            mine.stream(),
            server.models().stream()
                .filter(m -> mine.stream().noneMatch(o -> o.id().equals(m.id()))))
        .toList();
  }

  @Override
  public String version() {
    return server.version() + "+" + own.version();
  }
}
