package dev.pouch.adapters.postgres;

import dev.pouch.adapters.jdbc.TeamRows;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.domain.team.Team;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link TeamRepository} on the {@code teams} table. */
final class PostgresTeamRepository implements TeamRepository {
  private final Database database;

  PostgresTeamRepository(Database database) {
    this.database = database;
  }

  @Override
  public void insertTeam(Team team) {
    Objects.requireNonNull(team, "team");
    int inserted =
        database.write(
            handle ->
                handle.execute(
                    "INSERT INTO teams ("
                        + TeamRows.COLUMNS
                        + ") VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    team.id(),
                    team.name(),
                    team.createdAt().toEpochMilli()));
    if (inserted == 0) {
      throw new IllegalStateException("a team with this id exists already: " + team.id());
    }
  }

  @Override
  public Optional<Team> findTeam(String id) {
    Objects.requireNonNull(id, "id");
    return database.read(
        handle ->
            handle
                .createQuery("SELECT " + TeamRows.COLUMNS + " FROM teams WHERE id = :id")
                .bind("id", id)
                .map(TeamRows.MAPPER)
                .findOne());
  }

  @Override
  public List<Team> listTeams() {
    return database.read(
        handle ->
            handle
                .createQuery("SELECT " + TeamRows.COLUMNS + " FROM teams ORDER BY created_at, seq")
                .map(TeamRows.MAPPER)
                .list());
  }

  @Override
  public boolean renameTeam(String id, String name) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    return database.write(
            handle -> handle.execute("UPDATE teams SET name = ? WHERE id = ?", name, id))
        == 1;
  }

  @Override
  public boolean deleteTeam(String id) {
    Objects.requireNonNull(id, "id");
    return database.write(handle -> handle.execute("DELETE FROM teams WHERE id = ?", id)) == 1;
  }
}
