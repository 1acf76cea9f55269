package dev.pouch.adapters.redis;

import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.testkit.LimitCountersContract;

class RedisLimitCountersContractTest extends LimitCountersContract {
  @Override
  protected LimitCounters createLimitCounters() {
    return RedisLimitCounters.connect(TestRedis.settings());
  }
}
