package dev.pouch.application.proxy;

import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.application.plugins.PluginCatalog;
import dev.pouch.application.plugins.SecretFields;
import dev.pouch.application.port.out.SecretSealer;
import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareSite;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.domain.provider.Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Key runtimes by key id. A runtime is rebuilt only when the key's policy changes (an edit), never
 * per request; a request that still carries an older version of the key uses the newer runtime.
 */
public final class KeyRuntimes implements AutoCloseable {
  private final PluginCatalog catalog;
  private final SecretFields sealing;
  private final LimitCounters limits;
  private final Map<String, KeyRuntime> byKey = new ConcurrentHashMap<>();

  public KeyRuntimes(PluginCatalog catalog) {
    this(catalog, new SecretFields(SecretSealer.plaintext()), LocalLimitCounters.INSTANCE);
  }

  /**
   * Runtimes whose plugins get their secret config values opened by {@code sealing}, and whose
   * middlewares keep their counters in {@code limits}.
   */
  public KeyRuntimes(PluginCatalog catalog, SecretFields sealing, LimitCounters limits) {
    this.catalog = catalog;
    this.sealing = sealing;
    this.limits = limits;
  }

  KeyRuntime forKey(AppKey key) {
    KeyRuntime current = byKey.get(key.id());
    if (current != null && current.policy().equals(key.policy())) {
      return current;
    }
    List<KeyRuntime> replaced = new ArrayList<>(1);
    KeyRuntime result =
        byKey.compute(
            key.id(),
            (id, existing) -> {
              if (existing != null
                  && (existing.policy().equals(key.policy())
                      || existing.keyVersion() > key.version())) {
                return existing;
              }
              if (existing != null) {
                replaced.add(existing);
              }
              return build(key);
            });
    // Instances serve their in-flight requests to the end; closing only releases what they hold.
    replaced.forEach(KeyRuntime::close);
    return result;
  }

  /** Releases a key's runtime (after an edit or a revocation). */
  public void release(String keyId) {
    KeyRuntime removed = byKey.remove(keyId);
    if (removed != null) {
      removed.close();
    }
  }

  /** Releases every key's runtime; the next request of each builds a fresh one. */
  public void releaseAll() {
    byKey.keySet().forEach(this::release);
  }

  private KeyRuntime build(AppKey key) {
    KeyPolicy policy = key.policy();
    PluginRef providerRef = policy.provider();
    Provider provider = createProvider(providerRef, key);
    List<Upstream> fallbacks = new ArrayList<>();
    for (int i = 0; i < policy.fallbacks().size(); i++) {
      Fallback fallback = policy.fallbacks().get(i);
      fallbacks.add(
          new Upstream(
              "fallbacks[" + i + "]:" + fallback.provider().id(),
              createProvider(fallback.provider(), key),
              fallback.model()));
    }
    List<Middleware> middlewares = new ArrayList<>();
    for (int i = 0; i < policy.middlewares().size(); i++) {
      PluginRef ref = policy.middlewares().get(i);
      middlewares.add(
          catalog
              .middlewares()
              .find(ref.id())
              .orElseThrow(() -> missing("middleware", ref.id(), key))
              .create(
                  sealing.open(catalog.middlewares(), ref).config(),
                  new MiddlewareSite(key.id(), i, limits)));
    }
    return new KeyRuntime(
        policy,
        key.version(),
        Upstream.primary(providerRef.id(), provider),
        fallbacks,
        middlewares,
        new OverrideProviders(catalog));
  }

  private Provider createProvider(PluginRef ref, AppKey key) {
    return catalog
        .providers()
        .find(ref.id())
        .orElseThrow(() -> missing("provider", ref.id(), key))
        .create(sealing.open(catalog.providers(), ref).config());
  }

  private static InternalException missing(String kind, String id, AppKey key) {
    return new InternalException(
        "key " + key.id() + " uses " + kind + " '" + id + "', which is not installed", null);
  }

  @Override
  public void close() {
    releaseAll();
  }
}
