package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.Operation;
import java.util.Map;

/**
 * {@code model_rewrite}: model aliases. A request for a model named on the left of a rule goes
 * upstream as the model on the right ({@code fast=gpt-4.1-nano, smart=gpt-4.1}); other models pass
 * unchanged. Pricing, the key's allowed models and the request log see the rewritten name, since
 * that is what the upstream bills.
 */
final class ModelRewriteMiddleware implements Middleware {
  static final String ID = "model_rewrite";

  private final Map<String, String> aliases;

  ModelRewriteMiddleware(Map<String, String> aliases) {
    this.aliases = Map.copyOf(aliases);
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    Operation request = chain.request();
    String target = aliases.get(request.model());
    return chain.proceed(target == null ? request : request.withModel(target));
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Model rewrite",
          "Maps requested model names to others (aliases), e.g. `fast=gpt-4.1-nano`.",
          PluginSchema.of(
              SchemaField.builder("rules", FieldType.STRING)
                  .displayName("Rules")
                  .description(
                      "`requested=upstream` pairs, separated by commas or new lines, e.g."
                          + " `fast=gpt-4.1-nano, smart=gpt-4.1`.")
                  .required()
                  .max(10_000)
                  .role(PluginSchema.PAIRS_ROLE)
                  .build()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO,
        config -> new ModelRewriteMiddleware(PluginSchema.parsePairs(config.string("rules", ""))));
  }
}
