package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.Operation;

/**
 * {@code max_tokens_cap}: no request of the key may ask for more than {@code max_tokens} output
 * tokens per choice; larger or missing limits are lowered to it before the reservation prices the
 * request.
 */
final class MaxTokensCapMiddleware implements Middleware {
  static final String ID = "max_tokens_cap";

  private final long cap;

  MaxTokensCapMiddleware(long cap) {
    this.cap = cap;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    Operation request = chain.request();
    Long asked = request.maxOutputTokens();
    return chain.proceed(asked == null || asked > cap ? request.withMaxOutputTokens(cap) : request);
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Max tokens cap",
          "Caps the output tokens of every request of this key.",
          PluginSchema.of(
              SchemaField.builder("max_tokens", FieldType.INTEGER)
                  .displayName("Max output tokens")
                  .description("The most output tokens one choice may ask for.")
                  .required()
                  .min(1)
                  .max(10_000_000)
                  .build()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO, config -> new MaxTokensCapMiddleware(config.integer("max_tokens", 1)));
  }
}
