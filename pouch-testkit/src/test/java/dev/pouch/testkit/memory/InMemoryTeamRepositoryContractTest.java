package dev.pouch.testkit.memory;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.testkit.TeamRepositoryContract;

/** The application's in-memory fake keeps the {@link TeamRepository} contract. */
class InMemoryTeamRepositoryContractTest extends TeamRepositoryContract {
  @Override
  protected TeamRepository createRepository() {
    return new InMemoryStore();
  }
}
