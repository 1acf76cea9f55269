package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.domain.team.Team;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TeamRepository} must do. Return a fresh, empty repository from {@link
 * #createRepository()}; it is closed after each test when it is {@link AutoCloseable}.
 */
public abstract class TeamRepositoryContract {
  /** The repository under test, fresh for every test. */
  protected TeamRepository repository;

  /** A new, empty repository. */
  protected abstract TeamRepository createRepository() throws Exception;

  @BeforeEach
  void createRepositoryUnderTest() throws Exception {
    repository = createRepository();
  }

  @AfterEach
  void closeRepositoryUnderTest() throws Exception {
    Closing.closeIfCloseable(repository);
  }

  @Test
  void teamsAreFoundListedOldestFirstRenamedAndDeleted() {
    Team research = new Team("team_1", "research", T0.plusSeconds(5));
    Team ops = new Team("team_2", "ops", T0);
    repository.insertTeam(research);
    repository.insertTeam(ops);

    assertThat(repository.findTeam("team_1")).contains(research);
    assertThat(repository.findTeam("team_none")).isEmpty();
    assertThat(repository.listTeams()).containsExactly(ops, research);

    assertThat(repository.renameTeam("team_1", "research lab")).isTrue();
    assertThat(repository.renameTeam("team_none", "x")).isFalse();
    assertThat(repository.findTeam("team_1")).contains(research.renamed("research lab"));

    assertThat(repository.deleteTeam("team_2")).isTrue();
    assertThat(repository.deleteTeam("team_2")).isFalse();
    assertThat(repository.listTeams()).containsExactly(research.renamed("research lab"));
  }

  @Test
  void aTeamIdIsTakenOnce() {
    repository.insertTeam(new Team("team_1", "a", T0));

    assertThatThrownBy(() -> repository.insertTeam(new Team("team_1", "b", T0)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(repository.findTeam("team_1").orElseThrow().name()).isEqualTo("a");
  }
}
