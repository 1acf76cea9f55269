package dev.pouch.testkit.memory;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.testkit.StoredResponsesContract;

/** The application's in-memory fake keeps the {@link StoredResponses} contract. */
class InMemoryStoredResponsesContractTest extends StoredResponsesContract {
  @Override
  protected StoredResponses createStoredResponses() {
    return new InMemoryStore();
  }
}
