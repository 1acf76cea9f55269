package dev.pouch.domain.key;

import dev.pouch.domain.plugin.PluginConfig;
import java.util.Objects;

/**
 * A reference from a key's policy to a plugin (provider or middleware) with its validated config.
 */
public record PluginRef(String id, PluginConfig config) {
  public PluginRef {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(config, "config");
  }
}
