package dev.pouch.adapters.jdbc;

import dev.pouch.domain.team.Team;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** The {@code teams} row of a {@link Team}, the same in every SQL store. */
public final class TeamRows {
  /** The columns of a row: id, name, created_at (epoch milliseconds). */
  public static final String COLUMNS = "id, name, created_at";

  /** Reads a row selected with {@link #COLUMNS}. */
  public static final RowMapper<Team> MAPPER = TeamRows::map;

  private TeamRows() {}

  private static Team map(ResultSet rs, StatementContext context) throws SQLException {
    return new Team(
        rs.getString("id"), rs.getString("name"), Instant.ofEpochMilli(rs.getLong("created_at")));
  }
}
