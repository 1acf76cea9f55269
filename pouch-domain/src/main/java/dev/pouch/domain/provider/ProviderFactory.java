package dev.pouch.domain.provider;

import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;

/**
 * The extension point for providers: a module registers a factory (explicitly on the builder, or
 * through {@link java.util.ServiceLoader} in the server), and Pouch creates one {@link Provider}
 * per key configuration.
 */
public interface ProviderFactory {

  /** Id, names and config schema; the id is what key policies refer to. */
  PluginInfo info();

  /**
   * Creates a provider for one key. Also called once when a key is created or edited, the instance
   * closed at once, to check what the schema cannot.
   *
   * @param config validated against {@link #info()}'s schema, defaults applied
   * @throws dev.pouch.domain.error.RequestRejectedException {@code invalidConfig} naming the field
   *     ({@code provider.config.<field>}) for a config this provider cannot serve; the message must
   *     not quote a secret
   */
  Provider create(PluginConfig config);
}
