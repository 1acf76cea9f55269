package dev.pouch.application.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.ScriptedMiddlewares;
import dev.pouch.domain.plugin.PluginInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class PluginCatalogTest {

  @Test
  void twoPluginsWithOneIdAreRefused() {
    FakeUpstream upstream = new FakeUpstream();

    assertThatThrownBy(
            () -> new PluginCatalog(List.of(upstream.factory(), upstream.factory()), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(FakeUpstream.PROVIDER_ID);
  }

  @Test
  void pluginsAreFoundByIdAndListedInRegistrationOrder() {
    PluginCatalog catalog =
        new PluginCatalog(
            List.of(new FakeUpstream().factory()), List.of(new ScriptedMiddlewares()));

    assertThat(catalog.providers().infos())
        .extracting(PluginInfo::id)
        .containsExactly(FakeUpstream.PROVIDER_ID);
    assertThat(catalog.middlewares().find(ScriptedMiddlewares.ID)).isPresent();
    assertThat(catalog.middlewares().find("nope")).isEmpty();
    assertThat(catalog.middlewares().find(null)).isEmpty();
  }
}
