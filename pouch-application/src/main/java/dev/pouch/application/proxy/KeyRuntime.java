package dev.pouch.application.proxy;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.ProviderOverride;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.provider.Provider;
import java.util.List;

/**
 * The live plugin instances of one key configuration: its provider and middlewares. Built once per
 * policy and reused by every request, so stateful middlewares (rate limiters) keep their state.
 */
record KeyRuntime(
    KeyPolicy policy,
    long keyVersion,
    Provider provider,
    List<Middleware> middlewares,
    OverrideProviders overrides)
    implements AutoCloseable {

  KeyRuntime {
    middlewares = List.copyOf(middlewares);
  }

  @Override
  public void close() {
    for (Middleware middleware : middlewares) {
      middleware.close();
    }
    provider.close();
    overrides.close();
  }

  /** The provider that serves a request: the key's, unless a middleware asked for another. */
  Provider providerFor(RequestContext context) {
    return context.get(ProviderOverride.ATTRIBUTE).map(overrides::get).orElse(provider);
  }
}
