package dev.pouch.application.middlewares;

import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.MiddlewareSite;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import java.util.function.BiFunction;

/**
 * The factory of a limit: its middleware takes its counters at its site; created without a site (a
 * host that predates sites), it counts in this process alone.
 */
final class SitedFactory implements MiddlewareFactory {
  private static final MiddlewareSite NO_SITE =
      new MiddlewareSite("", 0, LocalLimitCounters.INSTANCE);

  private final PluginInfo info;
  private final BiFunction<PluginConfig, MiddlewareSite, Middleware> create;

  SitedFactory(PluginInfo info, BiFunction<PluginConfig, MiddlewareSite, Middleware> create) {
    this.info = info;
    this.create = create;
  }

  @Override
  public PluginInfo info() {
    return info;
  }

  @Override
  public Middleware create(PluginConfig config) {
    return create(config, NO_SITE);
  }

  @Override
  public Middleware create(PluginConfig config, MiddlewareSite site) {
    return create.apply(config, site);
  }
}
