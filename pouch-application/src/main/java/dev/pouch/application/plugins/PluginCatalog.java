package dev.pouch.application.plugins;

import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.provider.ProviderFactory;
import java.util.List;
import java.util.Map;

/** The providers and middlewares of one Pouch instance, and config validation against them. */
public final class PluginCatalog {
  private final PluginRegistry<ProviderFactory> providers;
  private final PluginRegistry<MiddlewareFactory> middlewares;

  public PluginCatalog(List<ProviderFactory> providers, List<MiddlewareFactory> middlewares) {
    this.providers = new PluginRegistry<>(providers, ProviderFactory::info, "provider");
    this.middlewares = new PluginRegistry<>(middlewares, MiddlewareFactory::info, "middleware");
  }

  public PluginRegistry<ProviderFactory> providers() {
    return providers;
  }

  public PluginRegistry<MiddlewareFactory> middlewares() {
    return middlewares;
  }

  /**
   * Validates a provider reference.
   *
   * @param field the request field that holds it, for error messages ({@code "provider"})
   */
  public PluginRef provider(String id, Map<String, ?> rawConfig, String field) {
    return validate(providers, id, rawConfig, field, "provider");
  }

  /** Validates a middleware reference; {@code field} as in {@link #provider}. */
  public PluginRef middleware(String id, Map<String, ?> rawConfig, String field) {
    return validate(middlewares, id, rawConfig, field, "middleware");
  }

  private static <F> PluginRef validate(
      PluginRegistry<F> registry, String id, Map<String, ?> raw, String field, String kind) {
    PluginInfo info =
        registry
            .info(id)
            .orElseThrow(
                () ->
                    RequestRejectedException.invalidRequest(
                        field + ".id", "unknown " + kind + " '" + id + "'"));
    try {
      PluginConfig config = info.schema().validate(raw);
      return new PluginRef(id, config);
    } catch (RequestRejectedException invalid) {
      throw RequestRejectedException.invalidConfig(
          field + ".config." + invalid.param(), invalid.getMessage());
    }
  }
}
