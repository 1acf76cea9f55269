package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProviderOverride;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code mock_override}: simulation mode. Every request of the key is answered by the {@code mock}
 * provider (free, in-process) instead of the key's upstream, through the same chain, reservation
 * and request log; the key view shows {@code simulated: true}. Needs the mock provider installed
 * (the server always has it).
 */
final class MockOverrideMiddleware implements Middleware {
  static final String ID = "mock_override";
  static final String MOCK_PROVIDER = "mock";

  private final ProviderOverride override;

  MockOverrideMiddleware(ProviderOverride override) {
    this.override = override;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    chain.context().set(ProviderOverride.ATTRIBUTE, override);
    return chain.proceed(chain.request());
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Mock override (simulation)",
          "Answers from the built-in mock provider instead of the upstream: free, no network.",
          PluginSchema.of(
              SchemaField.builder("response_text", FieldType.STRING)
                  .displayName("Response text")
                  .description("The simulated answer; empty keeps the mock's default.")
                  .max(100_000)
                  .build(),
              SchemaField.builder("latency_ms", FieldType.INTEGER)
                  .displayName("Latency (ms)")
                  .description("Simulated pause before the answer.")
                  .defaultValue(0L)
                  .min(0)
                  .max(600_000)
                  .build()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO,
        config -> {
          Map<String, Object> mock = new LinkedHashMap<>();
          String text = config.string("response_text", "");
          if (!text.isEmpty()) {
            mock.put("response_text", text);
          }
          mock.put("latency_ms", config.integer("latency_ms", 0));
          return new MockOverrideMiddleware(new ProviderOverride(MOCK_PROVIDER, mock));
        });
  }
}
