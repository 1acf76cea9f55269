package dev.pouch.adapters.redis;

import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.limit.SlotPool;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LimitCounters} in one Redis that every instance shares, so a key's rate, token-rate and
 * concurrency limits hold across instances. One Lettuce connection (thread-safe, pipelined) serves
 * every request; each take and acquire is one Lua script ({@link LimitScripts}).
 *
 * <p>When Redis does not answer within the command timeout, or the connection is down, every limit
 * fails open to this instance's own counters of the same size ({@link LocalLimitCounters}), so each
 * instance still enforces each limit on its own; Redis is tried again once per {@link
 * RedisLimitsSettings#retryAfterOutage()}. Connecting at start must succeed: a wrong URL is a
 * configuration error, not an outage.
 */
public final class RedisLimitCounters implements LimitCounters, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisLimitCounters.class);

  private static final Duration START_TIMEOUT = Duration.ofSeconds(5);

  private final RedisLimitsSettings settings;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final LimitScripts scripts;
  private final RedisHealth health;
  private final SlotRenewer renewer;
  private final String instanceId = UUID.randomUUID().toString();
  private final AtomicLong slotSequence = new AtomicLong();

  private RedisLimitCounters(RedisLimitsSettings settings) {
    this.settings = settings;
    this.client = RedisClient.create(uri(settings));
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            // while disconnected, fail at once (and count locally) instead of queueing
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            // every command waits at most the connection's timeout, shortened once started
            .timeoutOptions(TimeoutOptions.builder().timeoutCommands().connectionTimeout().build())
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(max(settings.commandTimeout(), Duration.ofSeconds(1)))
                    .build())
            .build());
    try {
      this.connection = client.connect();
      this.scripts = new LimitScripts(connection.sync());
      connection.setTimeout(settings.commandTimeout());
    } catch (RuntimeException unreachable) {
      client.shutdown();
      throw new IllegalStateException(
          "cannot reach Redis at " + RedisAddress.withoutSecrets(settings.url()), unreachable);
    }
    this.health = new RedisHealth(settings.retryAfterOutage().toNanos(), System::nanoTime);
    this.renewer = new SlotRenewer(scripts, health, settings.slotTtl().toMillis());
  }

  /**
   * Connects to Redis and loads the scripts.
   *
   * @throws IllegalStateException when Redis cannot be reached or refuses the credentials
   */
  public static RedisLimitCounters connect(RedisLimitsSettings settings) {
    RedisLimitCounters counters = new RedisLimitCounters(settings);
    log.atInfo()
        .addKeyValue("redis", RedisAddress.withoutSecrets(settings.url()))
        .log("limits are shared across instances in Redis");
    return counters;
  }

  private static RedisURI uri(RedisLimitsSettings settings) {
    // a cold start (the handshake, loading the scripts) may take longer than a request may wait
    RedisURI.Builder builder =
        RedisURI.builder(RedisURI.create(settings.url()))
            .withTimeout(max(settings.commandTimeout(), START_TIMEOUT));
    if (settings.password() != null) {
      builder.withPassword(settings.password().toCharArray());
    }
    return builder.build();
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public RateBucket bucket(String name, long capacity, long periodMillis) {
    return new RedisBucket(
        settings.keyPrefix() + "bucket:" + name,
        capacity,
        periodMillis,
        scripts,
        health,
        LocalLimitCounters.INSTANCE.bucket(name, capacity, periodMillis));
  }

  @Override
  public SlotPool slots(String name, int max) {
    return new RedisSlots(
        settings.keyPrefix() + "slots:" + name,
        max,
        settings.slotTtl().toMillis(),
        scripts,
        health,
        renewer,
        () -> instanceId + ":" + slotSequence.incrementAndGet(),
        LocalLimitCounters.INSTANCE.slots(name, max));
  }

  /** Whether Redis answered the last time it was asked (readiness, metrics). */
  public boolean redisAnswers() {
    return health.isUp();
  }

  /** Concurrency slots this instance holds in Redis now. */
  public int slotsHeld() {
    return renewer.held();
  }

  /** Stops renewing this instance's slots, as if it had died (tests). */
  void stopRenewing() {
    renewer.stop();
  }

  /** Stops renewing slots and closes the connection; held slots then expire. */
  @Override
  public void close() {
    renewer.close();
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
