package dev.pouch.application.proxy;

import dev.pouch.application.plugins.PluginCatalog;
import dev.pouch.domain.chain.ProviderOverride;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.provider.Provider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Providers that middlewares of one key asked for instead of the key's own ({@link
 * ProviderOverride}), created on first use and kept as long as the key's runtime.
 */
final class OverrideProviders implements AutoCloseable {
  private final PluginCatalog catalog;
  private final Map<ProviderOverride, Provider> created = new ConcurrentHashMap<>();

  OverrideProviders(PluginCatalog catalog) {
    this.catalog = catalog;
  }

  Provider get(ProviderOverride override) {
    return created.computeIfAbsent(override, this::create);
  }

  private Provider create(ProviderOverride override) {
    PluginRef ref;
    try {
      ref = catalog.provider(override.providerId(), override.config(), "provider_override");
    } catch (RuntimeException invalid) {
      throw new InternalException(
          "a middleware asked for provider '"
              + override.providerId()
              + "', which is not installed or not configurable so: "
              + invalid.getMessage(),
          invalid);
    }
    return catalog.providers().find(ref.id()).orElseThrow().create(ref.config());
  }

  @Override
  public void close() {
    created.values().forEach(Provider::close);
    created.clear();
  }
}
