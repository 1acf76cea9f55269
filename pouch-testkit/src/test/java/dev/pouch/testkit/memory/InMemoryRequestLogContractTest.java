package dev.pouch.testkit.memory;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.testkit.RequestLogContract;

/** The application's in-memory fake keeps the {@link RequestLog} contract its tests rely on. */
class InMemoryRequestLogContractTest extends RequestLogContract {
  @Override
  protected RequestLog createRequestLog() {
    return new InMemoryStore();
  }
}
