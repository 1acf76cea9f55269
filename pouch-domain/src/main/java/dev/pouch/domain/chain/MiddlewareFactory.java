package dev.pouch.domain.chain;

import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import java.util.Objects;
import java.util.function.Function;

/**
 * The extension point for middlewares: registered on the builder (or discovered by the server), it
 * creates one {@link Middleware} per key configuration version.
 */
public interface MiddlewareFactory {

  /** Id, names, config schema and whether new keys get it by default. */
  PluginInfo info();

  /**
   * Creates the middleware for one key.
   *
   * @param config validated against {@link #info()}'s schema, defaults applied
   */
  Middleware create(PluginConfig config);

  /**
   * Creates the middleware for one key at {@code site}: the host calls this one. Factories whose
   * middlewares keep counters override it to name them after the site and take them from {@link
   * MiddlewareSite#limits()}; the default ignores the site.
   */
  default Middleware create(PluginConfig config, MiddlewareSite site) {
    return create(config);
  }

  /** A factory from its info and a constructor, for middlewares with nothing else to share. */
  static MiddlewareFactory of(PluginInfo info, Function<PluginConfig, Middleware> create) {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(create, "create");
    return new MiddlewareFactory() {
      @Override
      public PluginInfo info() {
        return info;
      }

      @Override
      public Middleware create(PluginConfig config) {
        return create.apply(config);
      }
    };
  }
}
