package dev.pouch.domain.chain;

import java.util.Map;
import java.util.Objects;

/**
 * Asks Pouch to serve one request from another provider than the key's (the {@code mock_override}
 * middleware uses it for simulation). Set it as {@link #ATTRIBUTE} on the {@link RequestContext}
 * before {@link Middleware.Chain#proceed}; the config is validated against that provider's schema.
 *
 * @param providerId an installed provider's id
 * @param config its raw config (defaults fill the rest)
 */
public record ProviderOverride(String providerId, Map<String, Object> config) {
  /** The context attribute Pouch's last link reads. */
  public static final AttributeKey<ProviderOverride> ATTRIBUTE =
      AttributeKey.of("provider_override", ProviderOverride.class);

  public ProviderOverride {
    Objects.requireNonNull(providerId, "providerId");
    config = Map.copyOf(config);
  }
}
