package dev.pouch.domain.key;

import java.util.List;
import java.util.Objects;

/**
 * What a key may do: which provider serves it, which middlewares run (in order), which models it
 * may ask for (empty = any model the provider knows).
 */
public record KeyPolicy(
    PluginRef provider, List<PluginRef> middlewares, List<String> allowedModels) {
  public KeyPolicy {
    Objects.requireNonNull(provider, "provider");
    middlewares = List.copyOf(middlewares);
    allowedModels = List.copyOf(allowedModels);
  }

  /** Whether the key may ask for {@code model}. */
  public boolean allowsModel(String model) {
    return allowedModels.isEmpty() || allowedModels.contains(model);
  }
}
