package dev.pouch.application.middlewares;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.MiddlewareSite;
import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.limit.SlotPool;
import dev.pouch.domain.plugin.PluginConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in limits name their counters after their site, so instances that share them agree. */
class LimitSitesTest {

  /** Counts in the process, and notes what was asked for. */
  private static final class Recording implements LimitCounters {
    final List<String> asked = new ArrayList<>();

    @Override
    public RateBucket bucket(String name, long capacity, long periodMillis) {
      asked.add(name + " " + capacity + " per " + periodMillis + " ms");
      return LocalLimitCounters.INSTANCE.bucket(name, capacity, periodMillis);
    }

    @Override
    public SlotPool slots(String name, int max) {
      asked.add(name + " " + max + " slots");
      return LocalLimitCounters.INSTANCE.slots(name, max);
    }
  }

  private static MiddlewareFactory factory(String id) {
    return BuiltinMiddlewares.all().stream()
        .filter(factory -> factory.info().id().equals(id))
        .findFirst()
        .orElseThrow();
  }

  private static PluginConfig config(String id, Map<String, Object> raw) {
    return factory(id).info().schema().validate(raw);
  }

  @Test
  void eachLimitNamesItsCountersAfterItsKeyItsPositionItsKindAndItsSize() {
    Recording limits = new Recording();

    factory("rate_limit")
        .create(
            config("rate_limit", Map.of("limit", 10L, "period", 60L)),
            new MiddlewareSite("key_a", 0, limits));
    factory("rate_limit")
        .create(
            config("rate_limit", Map.of("limit", 10L, "period", 60L)),
            new MiddlewareSite("key_a", 2, limits));
    factory("token_rate_limit")
        .create(
            config("token_rate_limit", Map.of("tokens", 5_000L)),
            new MiddlewareSite("key_a", 1, limits));
    factory("concurrency_limit")
        .create(
            config("concurrency_limit", Map.of("max_in_flight", 3L)),
            new MiddlewareSite("key_b", 0, limits));

    assertThat(limits.asked)
        .containsExactly(
            "key_a/0/rate_limit/10/60 10 per 60000 ms",
            "key_a/2/rate_limit/10/60 10 per 60000 ms",
            "key_a/1/token_rate_limit/5000/60 5000 per 60000 ms",
            "key_b/0/concurrency_limit 3 slots");
  }
}
