package dev.pouch.domain.key;

import java.util.List;
import java.util.Objects;

/**
 * What a key may do: which provider serves it (and which fallbacks, in order, when it provably did
 * not bill a request), which middlewares run (in order), which models it may ask for (empty = any
 * model the provider knows), how it treats its end users.
 *
 * @param endUser where the key reads its end users' ids, whether it requires one, and their
 *     budgets; {@code null} when the key does not tell its end users apart
 */
public record KeyPolicy(
    PluginRef provider,
    List<Fallback> fallbacks,
    List<PluginRef> middlewares,
    List<String> allowedModels,
    EndUserPolicy endUser) {
  /** The most fallbacks a key may list: each one is a further upstream a request may wait on. */
  public static final int MAX_FALLBACKS = 4;

  public KeyPolicy {
    Objects.requireNonNull(provider, "provider");
    fallbacks = List.copyOf(fallbacks);
    middlewares = List.copyOf(middlewares);
    allowedModels = List.copyOf(allowedModels);
  }

  /** A policy without fallbacks that does not tell end users apart. */
  public KeyPolicy(PluginRef provider, List<PluginRef> middlewares, List<String> allowedModels) {
    this(provider, List.of(), middlewares, allowedModels, null);
  }

  /** A policy with fallbacks that does not tell end users apart. */
  public KeyPolicy(
      PluginRef provider,
      List<Fallback> fallbacks,
      List<PluginRef> middlewares,
      List<String> allowedModels) {
    this(provider, fallbacks, middlewares, allowedModels, null);
  }

  /** A policy without fallbacks. */
  public KeyPolicy(
      PluginRef provider,
      List<PluginRef> middlewares,
      List<String> allowedModels,
      EndUserPolicy endUser) {
    this(provider, List.of(), middlewares, allowedModels, endUser);
  }

  /** This policy with {@code endUser} instead of its own. */
  public KeyPolicy withEndUser(EndUserPolicy endUser) {
    return new KeyPolicy(provider, fallbacks, middlewares, allowedModels, endUser);
  }

  /** Whether the key may ask for {@code model}. */
  public boolean allowsModel(String model) {
    return allowedModels.isEmpty() || allowedModels.contains(model);
  }
}
