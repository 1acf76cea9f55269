package dev.pouch.application.plugins;

import dev.pouch.domain.plugin.PluginInfo;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Factories of one kind (providers or middlewares) by plugin id, in registration order. Immutable
 * once built; refuses duplicate ids.
 */
public final class PluginRegistry<F> {
  private final Map<String, F> byId;
  private final Function<F, PluginInfo> info;

  PluginRegistry(Collection<F> factories, Function<F, PluginInfo> info, String kind) {
    this.info = info;
    Map<String, F> map = new LinkedHashMap<>();
    for (F factory : factories) {
      String id = info.apply(factory).id();
      if (map.putIfAbsent(id, factory) != null) {
        throw new IllegalArgumentException("two " + kind + " plugins have the id '" + id + "'");
      }
    }
    this.byId = Collections.unmodifiableMap(map);
  }

  public Optional<F> find(String id) {
    return Optional.ofNullable(id == null ? null : byId.get(id));
  }

  public Optional<PluginInfo> info(String id) {
    return find(id).map(info);
  }

  /** All factories in registration order. */
  public Collection<F> all() {
    return byId.values();
  }

  /** Infos of all factories in registration order. */
  public java.util.List<PluginInfo> infos() {
    return byId.values().stream().map(info).toList();
  }
}
