package dev.pouch.domain.key;

import java.util.List;
import java.util.Objects;

/**
 * What a key may do: which provider serves it, which middlewares run (in order), which models it
 * may ask for (empty = any model the provider knows), how it treats its end users.
 *
 * @param endUser where the key reads its end users' ids, whether it requires one, and their
 *     budgets; {@code null} when the key does not tell its end users apart
 */
public record KeyPolicy(
    PluginRef provider,
    List<PluginRef> middlewares,
    List<String> allowedModels,
    EndUserPolicy endUser) {
  public KeyPolicy {
    Objects.requireNonNull(provider, "provider");
    middlewares = List.copyOf(middlewares);
    allowedModels = List.copyOf(allowedModels);
  }

  /** A policy that does not tell end users apart. */
  public KeyPolicy(PluginRef provider, List<PluginRef> middlewares, List<String> allowedModels) {
    this(provider, middlewares, allowedModels, null);
  }

  /** This policy with {@code endUser} instead of its own. */
  public KeyPolicy withEndUser(EndUserPolicy endUser) {
    return new KeyPolicy(provider, middlewares, allowedModels, endUser);
  }

  /** Whether the key may ask for {@code model}. */
  public boolean allowsModel(String model) {
    return allowedModels.isEmpty() || allowedModels.contains(model);
  }
}
