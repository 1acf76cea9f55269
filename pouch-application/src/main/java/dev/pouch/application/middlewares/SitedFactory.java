package dev.pouch.application.middlewares;

import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.MiddlewareSite;
import dev.pouch.domain.limit.RateBucket;
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

  /**
   * The bucket of a {@code kind} limit at {@code site}. Its size is part of its name, so an edit
   * that changes the limit starts a full bucket (as an in-process one always did), while any other
   * edit keeps counting in the same one.
   */
  static RateBucket bucket(MiddlewareSite site, String kind, long capacity, long periodSeconds) {
    return site.limits()
        .bucket(
            site.counterName(kind) + "/" + capacity + "/" + periodSeconds,
            capacity,
            periodSeconds * 1000);
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
