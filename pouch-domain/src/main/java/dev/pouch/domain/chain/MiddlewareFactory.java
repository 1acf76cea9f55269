package dev.pouch.domain.chain;

import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;

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
}
