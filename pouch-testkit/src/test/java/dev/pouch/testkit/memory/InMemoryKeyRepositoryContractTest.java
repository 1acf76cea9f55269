package dev.pouch.testkit.memory;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.testkit.KeyRepositoryContract;

/** The application's in-memory fake keeps the {@link KeyRepository} contract its tests rely on. */
class InMemoryKeyRepositoryContractTest extends KeyRepositoryContract {
  @Override
  protected KeyRepository createRepository() {
    return new InMemoryStore();
  }
}
