package dev.pouch.testkit.memory;

import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.testkit.LimitCountersContract;

class LocalLimitCountersContractTest extends LimitCountersContract {
  @Override
  protected LimitCounters createLimitCounters() {
    return LocalLimitCounters.INSTANCE;
  }
}
