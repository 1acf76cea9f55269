/**
 * Limit counters in Redis ({@link dev.pouch.adapters.redis.RedisLimitCounters}, on Lettuce): rate,
 * token-rate and concurrency limits that hold across every instance sharing one Redis. Each take or
 * acquire is one Lua script on Redis's clock; while Redis cannot be reached, each instance counts
 * on its own.
 */
package dev.pouch.adapters.redis;
