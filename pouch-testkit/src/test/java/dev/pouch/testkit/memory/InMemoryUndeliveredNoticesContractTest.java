package dev.pouch.testkit.memory;

import dev.pouch.application.fakes.InMemoryUndeliveredNotices;
import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.testkit.UndeliveredNoticesContract;

/** The application's in-memory fake keeps the {@link UndeliveredNotices} contract. */
class InMemoryUndeliveredNoticesContractTest extends UndeliveredNoticesContract {
  @Override
  protected UndeliveredNotices createUndeliveredNotices() {
    return new InMemoryUndeliveredNotices();
  }
}
