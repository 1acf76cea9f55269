package dev.pouch.server;

import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.provider.ProviderFactory;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds provider and middleware plugins declared through {@link ServiceLoader}: on the classpath
 * and in each jar of the plugins folder (one class loader per jar, so one broken jar cannot spoil
 * another). A plugin that fails to load is logged and skipped; a plugin whose id is taken is
 * refused with a message naming both. The core never scans: this is the server's job (Jdbi's
 * lesson, see STYLE.md).
 */
final class PluginDiscovery {
  private static final Logger log = LoggerFactory.getLogger(PluginDiscovery.class);

  private final Map<String, ProviderFactory> providers = new HashMap<>();
  private final Map<String, MiddlewareFactory> middlewares = new HashMap<>();
  private final List<ProviderFactory> foundProviders = new ArrayList<>();
  private final List<MiddlewareFactory> foundMiddlewares = new ArrayList<>();
  private final List<URLClassLoader> loaders = new ArrayList<>();

  /** Starts from the plugins the server registers itself, so discovery cannot take their ids. */
  PluginDiscovery(
      List<ProviderFactory> builtinProviders, List<MiddlewareFactory> builtinMiddlewares) {
    builtinProviders.forEach(p -> providers.put(p.info().id(), p));
    builtinMiddlewares.forEach(m -> middlewares.put(m.info().id(), m));
  }

  /** Looks on the classpath and in every {@code *.jar} of {@code pluginsDir} (if it exists). */
  void discover(Path pluginsDir) {
    ClassLoader server = PluginDiscovery.class.getClassLoader();
    load(server, "classpath");
    if (pluginsDir == null || !Files.isDirectory(pluginsDir)) {
      return;
    }
    List<Path> jars;
    try (Stream<Path> files = Files.list(pluginsDir)) {
      jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException unreadable) {
      log.atError()
          .addKeyValue("dir", pluginsDir)
          .setCause(unreadable)
          .log("plugins folder unreadable");
      return;
    }
    for (Path jar : jars) {
      try {
        URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, server);
        loaders.add(loader);
        load(loader, jar.getFileName().toString());
      } catch (MalformedURLException impossible) {
        log.atError().addKeyValue("jar", jar).log("plugin jar path is not a URL");
      }
    }
  }

  private void load(ClassLoader loader, String source) {
    collect(
        ServiceLoader.load(ProviderFactory.class, loader),
        ProviderFactory::info,
        providers,
        foundProviders,
        loader,
        source);
    collect(
        ServiceLoader.load(MiddlewareFactory.class, loader),
        MiddlewareFactory::info,
        middlewares,
        foundMiddlewares,
        loader,
        source);
  }

  private static <F> void collect(
      ServiceLoader<F> services,
      Function<F, PluginInfo> info,
      Map<String, F> byId,
      List<F> found,
      ClassLoader loader,
      String source) {
    Iterator<F> iterator = services.iterator();
    while (true) {
      F factory;
      PluginInfo plugin;
      try {
        if (!iterator.hasNext()) {
          return;
        }
        factory = iterator.next();
        plugin = info.apply(factory);
      } catch (ServiceConfigurationError | RuntimeException | LinkageError broken) {
        log.atError()
            .addKeyValue("source", source)
            .addKeyValue("reason", String.valueOf(broken.getMessage()))
            .log("plugin failed to load; skipped");
        continue;
      }
      if (source.endsWith(".jar") && factory.getClass().getClassLoader() != loader) {
        continue; // seen through the parent: it belongs to the classpath, already handled
      }
      F taken = byId.get(plugin.id());
      if (taken != null) {
        if (taken.getClass() != factory.getClass()) {
          log.atError()
              .addKeyValue("id", plugin.id())
              .addKeyValue("source", source)
              .addKeyValue("plugin", factory.getClass().getName())
              .addKeyValue("registered", taken.getClass().getName())
              .log("plugin id already taken; refused");
        }
        continue;
      }
      byId.put(plugin.id(), factory);
      found.add(factory);
      log.atInfo()
          .addKeyValue("id", plugin.id())
          .addKeyValue("source", source)
          .log("plugin loaded");
    }
  }

  List<ProviderFactory> providers() {
    return List.copyOf(foundProviders);
  }

  List<MiddlewareFactory> middlewares() {
    return List.copyOf(foundMiddlewares);
  }

  /** Closes the plugin jars' class loaders (at shutdown). */
  void close() {
    for (URLClassLoader loader : loaders) {
      try {
        loader.close();
      } catch (IOException ignored) {
        // nothing left to release
      }
    }
  }
}
