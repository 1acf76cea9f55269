package dev.pouch.adapters.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;

/**
 * The Lua scripts that decide every take and acquire in one atomic step on Redis's clock ({@code
 * TIME}), so no instance reads a count and writes it back. Sent by digest ({@code EVALSHA}); when
 * Redis no longer knows a script (restarted, flushed) it is sent whole ({@code EVAL}), which caches
 * it again. Every key expires once it would be back to its idle state, so idle limits vanish.
 */
final class LimitScripts {

  /**
   * Milliseconds on Redis's clock, and a bucket brought up to now. Shared by take and give back.
   */
  private static final String BUCKET_NOW =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local capacity = tonumber(ARGV[1])
      local period = tonumber(ARGV[2])
      local units = tonumber(ARGV[3])
      local state = redis.call('HMGET', KEYS[1], 'available', 'at')
      local known = state[1] ~= false
      local available = capacity
      local at = now
      if known then
        available = tonumber(state[1])
        at = tonumber(state[2])
        if now > at then
          available = available + (now - at) * capacity / period
          at = now
        end
        available = math.min(capacity, available)
      end
      local function save()
        redis.call('HSET', KEYS[1], 'available', string.format('%.17g', available),
          'at', string.format('%.17g', at))
        redis.call('PEXPIRE', KEYS[1], period + 1000)
      end
      """;

  /** ARGV capacity, period ms, units → {taken 0/1, remaining, reset ms, retry-after s}. */
  static final String TAKE =
      BUCKET_NOW
          + """
          local taken = 0
          if units <= available then
            available = available - units
            taken = 1
          end
          save()
          local reset = math.ceil((capacity - available) / capacity * period)
          local retry = 0
          if taken == 0 then
            retry = math.ceil(math.min((units - available) / capacity * period / 1000, 1e15))
          end
          return {taken, math.floor(available), reset, retry}
          """;

  /** ARGV capacity, period ms, units → 1, or 0 when the bucket had vanished (it is full). */
  static final String GIVE_BACK =
      BUCKET_NOW
          + """
          if not known then
            return 0
          end
          available = math.min(capacity, available + units)
          save()
          return 1
          """;

  /**
   * KEYS[1] a sorted set of slot ids scored by their expiry; ARGV max, ttl ms, slot id → 1 when
   * acquired. Expired slots (of holders that stopped renewing) are dropped first.
   */
  static final String ACQUIRE =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local ttl = tonumber(ARGV[2])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
      if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
        return 0
      end
      redis.call('ZADD', KEYS[1], string.format('%.17g', now + ttl), ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ttl)
      return 1
      """;

  /**
   * KEYS[1] a slot set; ARGV ttl ms, slot ids… → how many were still held. A slot that already
   * expired is not brought back: its place may have been given to another.
   */
  static final String RENEW =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local ttl = tonumber(ARGV[1])
      local expiry = string.format('%.17g', now + ttl)
      local held = 0
      for i = 2, #ARGV do
        if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
          redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i])
          held = held + 1
        end
      end
      if held > 0 then
        redis.call('PEXPIRE', KEYS[1], ttl)
      end
      return held
      """;

  private final RedisCommands<String, String> redis;
  private final String take;
  private final String giveBack;
  private final String acquire;
  private final String renew;

  /** Loads every script into Redis (which also proves it answers). */
  LimitScripts(RedisCommands<String, String> redis) {
    this.redis = redis;
    this.take = redis.scriptLoad(TAKE);
    this.giveBack = redis.scriptLoad(GIVE_BACK);
    this.acquire = redis.scriptLoad(ACQUIRE);
    this.renew = redis.scriptLoad(RENEW);
  }

  List<Long> take(String key, long capacity, long periodMillis, long units) {
    return evaluate(take, TAKE, ScriptOutputType.MULTI, key, args(capacity, periodMillis, units));
  }

  void giveBack(String key, long capacity, long periodMillis, long units) {
    run(giveBack, GIVE_BACK, key, args(capacity, periodMillis, units));
  }

  boolean acquire(String key, int max, long ttlMillis, String slotId) {
    return run(acquire, ACQUIRE, key, Long.toString(max), Long.toString(ttlMillis), slotId) == 1;
  }

  long renew(String key, long ttlMillis, List<String> slotIds) {
    String[] args = new String[slotIds.size() + 1];
    args[0] = Long.toString(ttlMillis);
    for (int i = 0; i < slotIds.size(); i++) {
      args[i + 1] = slotIds.get(i);
    }
    return run(renew, RENEW, key, args);
  }

  void release(String key, String slotId) {
    redis.zrem(key, slotId);
  }

  private long run(String digest, String source, String key, String... args) {
    Long result = evaluate(digest, source, ScriptOutputType.INTEGER, key, args);
    return result;
  }

  private <T> T evaluate(
      String digest, String source, ScriptOutputType type, String key, String... args) {
    try {
      return redis.evalsha(digest, type, keys(key), args);
    } catch (RedisNoScriptException forgotten) {
      return redis.eval(source, type, keys(key), args);
    }
  }

  private static String[] keys(String key) {
    return new String[] {key};
  }

  private static String[] args(long... values) {
    String[] args = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      args[i] = Long.toString(values[i]);
    }
    return args;
  }
}
