package example.parrot;

import dev.pouch.domain.money.Micros;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;

/**
 * The {@code parrot} provider: Pouch keys configured with it call a Parrot upstream (a made-up
 * service that answers in words, see {@link ParrotProvider}). Found by the server through {@code
 * META-INF/services/dev.pouch.domain.provider.ProviderFactory}.
 */
public final class ParrotProviderFactory implements ProviderFactory {
  static final String BASE_URL = "base_url";
  static final String INPUT_PRICE = "input_usd_per_mtok";
  static final String OUTPUT_PRICE = "output_usd_per_mtok";
  static final String TIMEOUT = "timeout_seconds";

  private static final PluginInfo INFO =
      new PluginInfo(
          "parrot",
          "Parrot",
          "The Parrot word service (an example plugin): one word is one token.",
          PluginSchema.of(
              SchemaField.builder(BASE_URL, FieldType.STRING)
                  .displayName("Base URL")
                  .description("Where the Parrot service listens, e.g. http://localhost:9000.")
                  .required()
                  .role(PluginSchema.URL_ROLE)
                  .build(),
              price(INPUT_PRICE, "Input price (USD / 1M words)"),
              price(OUTPUT_PRICE, "Output price (USD / 1M words)"),
              SchemaField.builder(TIMEOUT, FieldType.INTEGER)
                  .displayName("Timeout (s)")
                  .description("How long to wait for the service's answer.")
                  .defaultValue(30L)
                  .min(1)
                  .max(600)
                  .build()),
          false);

  private static SchemaField price(String name, String displayName) {
    return SchemaField.builder(name, FieldType.NUMBER)
        .displayName(displayName)
        .defaultValue(BigDecimal.ONE)
        .min(0)
        .role("price")
        .build();
  }

  @Override
  public PluginInfo info() {
    return INFO;
  }

  @Override
  public Provider create(PluginConfig config) {
    ModelPrice price =
        ModelPrice.of(
            Micros.fromUsd(config.decimal(INPUT_PRICE, BigDecimal.ONE)),
            Micros.fromUsd(config.decimal(OUTPUT_PRICE, BigDecimal.ONE)));
    return new ParrotProvider(
        URI.create(config.string(BASE_URL, "") + "/complete"),
        price,
        Duration.ofSeconds(config.integer(TIMEOUT, 30)));
  }
}
