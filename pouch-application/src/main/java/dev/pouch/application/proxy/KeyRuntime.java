package dev.pouch.application.proxy;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.ProviderOverride;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import java.util.List;
import java.util.Optional;

/**
 * The live plugin instances of one key configuration: its provider, its fallbacks and its
 * middlewares. Built once per policy and reused by every request, so stateful middlewares (rate
 * limiters) keep their state.
 */
record KeyRuntime(
    KeyPolicy policy,
    long keyVersion,
    Upstream primary,
    List<Upstream> fallbacks,
    List<Middleware> middlewares,
    OverrideProviders overrides)
    implements AutoCloseable {

  KeyRuntime {
    fallbacks = List.copyOf(fallbacks);
    middlewares = List.copyOf(middlewares);
  }

  @Override
  public void close() {
    for (Middleware middleware : middlewares) {
      middleware.close();
    }
    primary.provider().close();
    fallbacks.forEach(fallback -> fallback.provider().close());
    overrides.close();
  }

  /** The key's own provider. */
  Provider provider() {
    return primary.provider();
  }

  /**
   * The upstreams that may serve {@code request}, in order: the key's provider (or the one a
   * middleware asked for, which has no fallbacks), then each fallback that can serve it as safely
   * (see {@link UpstreamCandidates#of}).
   */
  UpstreamCandidates candidatesFor(RequestContext context, Operation request, boolean budgeted) {
    Optional<ProviderOverride> override = context.get(ProviderOverride.ATTRIBUTE);
    if (override.isPresent()) {
      return UpstreamCandidates.only(
          new Upstream(
              "override:" + override.get().providerId(), overrides.get(override.get()), null));
    }
    return UpstreamCandidates.of(primary, fallbacks, request, budgeted);
  }
}
