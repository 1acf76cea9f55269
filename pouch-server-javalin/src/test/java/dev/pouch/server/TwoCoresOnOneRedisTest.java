package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.MockProviderFactory;
import dev.pouch.adapters.redis.RedisLimitCounters;
import dev.pouch.adapters.redis.RedisLimitsSettings;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.Pouch;
import dev.pouch.application.middlewares.BuiltinMiddlewares;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.domain.chain.ProxyResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Pouch cores, as two instances would run, each with its own connection to one Redis and one
 * store: concurrent requests over both on one {@code rate_limit} key pass exactly the limit.
 */
class TwoCoresOnOneRedisTest {
  private static final Map<String, Object> HELLO =
      Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hello")));

  @TempDir Path data;
  private SqliteStore store;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private Pouch first;
  private Pouch second;

  @BeforeEach
  void startTwoCores() {
    RedisLimitsSettings redis =
        RedisLimitsSettings.of(TestRedisUrl.get())
            .withKeyPrefix("two-cores:" + UUID.randomUUID() + ":")
            .withCommandTimeout(java.time.Duration.ofSeconds(2));
    store = SqliteStore.open(data.resolve("pouch.db"));
    first = core(RedisLimitCounters.connect(redis));
    second = core(RedisLimitCounters.connect(redis));
  }

  private Pouch core(RedisLimitCounters limits) {
    Pouch pouch =
        Pouch.builder()
            .keys(store)
            .ledger(store)
            .requestLog(store)
            .provider(new MockProviderFactory())
            .middlewares(BuiltinMiddlewares.all())
            .limits(limits)
            .build();
    opened.add(pouch);
    opened.add(limits);
    return pouch;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
    store.close();
  }

  @Test
  void exactlyTheRateLimitPassesOverBothInstances() throws Exception {
    CreatedKey key =
        first
            .keys()
            .create(
                new KeyDraft(
                    "shared",
                    "mock",
                    Map.of(),
                    List.of(
                        new KeyDraft.MiddlewareDraft(
                            "rate_limit", Map.of("limit", 12L, "period", 3600L))),
                    List.of(),
                    0,
                    0,
                    null,
                    false));
    String authorization = "Bearer " + key.secret();
    ExecutorService clients = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> statuses = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Pouch instance = i % 2 == 0 ? first : second;
      statuses.add(
          clients.submit(
              () -> {
                start.await();
                ProxyResponse response =
                    instance.proxy().serveChatCompletions(authorization, () -> HELLO);
                return response.status();
              }));
    }
    start.countDown();
    int served = 0;
    int limited = 0;
    for (Future<Integer> status : statuses) {
      int code = status.get();
      served += code == 200 ? 1 : 0;
      limited += code == 429 ? 1 : 0;
    }
    clients.shutdown();

    assertThat(served).isEqualTo(12);
    assertThat(limited).isEqualTo(48);
  }
}
