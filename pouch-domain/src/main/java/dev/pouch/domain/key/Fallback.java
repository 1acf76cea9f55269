package dev.pouch.domain.key;

import java.util.Objects;

/**
 * A further upstream a key's request may move to when the one before it provably did not bill it
 * (failover): a provider config, and optionally the model to ask of it instead of the request's.
 *
 * @param provider the provider and its validated config
 * @param model the model this upstream is asked for, or {@code null} for the request's own
 */
public record Fallback(PluginRef provider, String model) {
  public Fallback {
    Objects.requireNonNull(provider, "provider");
  }

  /** The model to ask of this upstream for a request that names {@code requested}. */
  public String modelFor(String requested) {
    return model == null ? requested : model;
  }
}
