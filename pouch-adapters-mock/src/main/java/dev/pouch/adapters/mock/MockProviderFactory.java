package dev.pouch.adapters.mock;

import dev.pouch.domain.error.RequestRejectedException;
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

/**
 * The {@code mock} provider: answers every model name in-process, without any upstream, with a
 * configurable text, prices, latency and pacing — and, for tests of Pouch's safety nets, on request
 * ignores {@code max_tokens} or breaks streams off. Token counts follow {@link MockTokens}, so the
 * estimate and the reported usage agree exactly.
 *
 * <p>Config fields: {@value #RESPONSE_TEXT}, {@value #INPUT_PRICE}, {@value #OUTPUT_PRICE} (USD per
 * million tokens, at most {@value #MAX_USD_PER_MTOK}), {@value #LATENCY_MS}, {@value
 * #CHUNK_DELAY_MS}, {@value #IGNORE_MAX_TOKENS}, {@value #FAIL_AFTER_CHUNKS}, {@value
 * #MAX_OUTPUT_TOKENS}, {@value #CONTEXT_WINDOW}.
 */
public final class MockProviderFactory implements ProviderFactory {
  /** The plugin id key policies refer to. */
  public static final String ID = "mock";

  public static final String RESPONSE_TEXT = "response_text";
  public static final String INPUT_PRICE = "input_usd_per_mtok";
  public static final String OUTPUT_PRICE = "output_usd_per_mtok";
  public static final String LATENCY_MS = "latency_ms";
  public static final String CHUNK_DELAY_MS = "stream_chunk_delay_ms";
  public static final String IGNORE_MAX_TOKENS = "ignore_max_tokens";
  public static final String FAIL_AFTER_CHUNKS = "fail_after_chunks";
  public static final String MAX_OUTPUT_TOKENS = "max_output_tokens";
  public static final String CONTEXT_WINDOW = "context_window";

  /**
   * The highest price of a mock token, in USD per million tokens: far above any real model's, and
   * low enough that a price times any token count up to 10^7 (10^10 micro-dollars × 10^7 = 10^17)
   * stays far inside a {@code long}, prompt and output added.
   */
  public static final long MAX_USD_PER_MTOK = 10_000;

  private static final long DEFAULT_MAX_OUTPUT_TOKENS = 4096;
  private static final long DEFAULT_CONTEXT_WINDOW = 128_000;

  private static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Mock",
          "Answers in-process without calling any upstream: a fixed text, configurable prices and"
              + " pacing. For trying Pouch out, tests and benchmarks.",
          PluginSchema.of(
              SchemaField.builder(RESPONSE_TEXT, FieldType.STRING)
                  .displayName("Response text")
                  .description("The answer; each word counts as one token.")
                  .defaultValue(MockBehavior.DEFAULT_RESPONSE_TEXT)
                  .max(100_000)
                  .build(),
              price(INPUT_PRICE, "Input price (USD / 1M tokens)", "Price of a prompt token."),
              price(OUTPUT_PRICE, "Output price (USD / 1M tokens)", "Price of an answer token."),
              SchemaField.builder(LATENCY_MS, FieldType.INTEGER)
                  .displayName("Latency (ms)")
                  .description("Pause before the answer, or before a stream's first event.")
                  .defaultValue(0L)
                  .min(0)
                  .max(600_000)
                  .build(),
              SchemaField.builder(CHUNK_DELAY_MS, FieldType.INTEGER)
                  .displayName("Stream chunk delay (ms)")
                  .description("Pause before each further event of a stream.")
                  .defaultValue(0L)
                  .min(0)
                  .max(60_000)
                  .build(),
              SchemaField.builder(IGNORE_MAX_TOKENS, FieldType.BOOLEAN)
                  .displayName("Ignore max_tokens")
                  .description(
                      "Misbehave like an upstream that answers longer than asked (tests Pouch's"
                          + " output cap).")
                  .defaultValue(Boolean.FALSE)
                  .build(),
              SchemaField.builder(FAIL_AFTER_CHUNKS, FieldType.INTEGER)
                  .displayName("Fail after chunks")
                  .description("Break streams off after this many content chunks; 0 = never.")
                  .defaultValue(0L)
                  .min(0)
                  .build(),
              SchemaField.builder(MAX_OUTPUT_TOKENS, FieldType.INTEGER)
                  .displayName("Max output tokens")
                  .description("The model's output limit per choice.")
                  .defaultValue(DEFAULT_MAX_OUTPUT_TOKENS)
                  .min(1)
                  .max(1_000_000)
                  .build(),
              SchemaField.builder(CONTEXT_WINDOW, FieldType.INTEGER)
                  .displayName("Context window")
                  .description("Tokens of prompt plus output the model accepts.")
                  .defaultValue(DEFAULT_CONTEXT_WINDOW)
                  .min(1)
                  .build()),
          false);

  private static SchemaField price(String name, String displayName, String description) {
    return SchemaField.builder(name, FieldType.NUMBER)
        .displayName(displayName)
        .description(description)
        .defaultValue(BigDecimal.ZERO)
        .min(0)
        .max(MAX_USD_PER_MTOK)
        .role("price")
        .build();
  }

  @Override
  public PluginInfo info() {
    return INFO;
  }

  @Override
  public Provider create(PluginConfig config) {
    MockBehavior behavior =
        new MockBehavior(
            config.string(RESPONSE_TEXT, MockBehavior.DEFAULT_RESPONSE_TEXT),
            config.integer(LATENCY_MS, 0),
            config.integer(CHUNK_DELAY_MS, 0),
            config.bool(IGNORE_MAX_TOKENS, false),
            config.integer(FAIL_AFTER_CHUNKS, 0));
    ModelPrice price = ModelPrice.of(micros(config, INPUT_PRICE), micros(config, OUTPUT_PRICE));
    return new MockProvider(
        behavior,
        price,
        config.integer(CONTEXT_WINDOW, DEFAULT_CONTEXT_WINDOW),
        config.integer(MAX_OUTPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS));
  }

  /**
   * A price in micro-dollars per million tokens. Checked against the bound again: a key stored
   * before the schema had it gets a config error naming the field, not an overflow on every
   * request.
   */
  private static long micros(PluginConfig config, String field) {
    BigDecimal usd = config.decimal(field, BigDecimal.ZERO);
    if (usd.compareTo(BigDecimal.valueOf(MAX_USD_PER_MTOK)) > 0) {
      throw RequestRejectedException.invalidConfig(
          "provider.config." + field,
          "config field '" + field + "' must be at most " + MAX_USD_PER_MTOK);
    }
    return Micros.fromUsd(usd);
  }
}
