package dev.pouch.application.teams;

import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.team.Team;
import java.util.List;
import java.util.Optional;

/** The team store of a host that wired none: it holds no team and refuses to create one. */
public enum NoTeams implements TeamRepository {
  INSTANCE;

  @Override
  public void insertTeam(Team team) {
    throw new RequestRejectedException(
        ErrorCode.INVALID_REQUEST, "this Pouch was built without a team store: no teams");
  }

  @Override
  public Optional<Team> findTeam(String id) {
    return Optional.empty();
  }

  @Override
  public List<Team> listTeams() {
    return List.of();
  }

  @Override
  public boolean renameTeam(String id, String name) {
    return false;
  }

  @Override
  public boolean deleteTeam(String id) {
    return false;
  }
}
