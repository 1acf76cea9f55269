package dev.pouch.adapters.jdbc;

import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.Suspension;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The {@code app_keys} row of an {@link AppKey}, the same in every SQL store: its columns, the
 * named parameters of a write, and its mapper. The policy is {@link PolicyJson}'s.
 */
public final class KeyRows {
  /** The columns of a row; a write binds each as the parameter of its name. */
  public static final String COLUMNS =
      "id, name, prefix, secret_hash, created_at, expires_at, auto_renew, policy_json, version,"
          + " suspended_at, suspended_reason, team_id";

  /** Reads a row selected with {@link #COLUMNS}. */
  public static final RowMapper<AppKey> MAPPER = KeyRows::map;

  private KeyRows() {}

  /**
   * Binds every column of {@code key} as the named parameter of its name, the policy as {@code
   * policy} (its {@link PolicyJson}), instants as epoch milliseconds.
   */
  public static <S extends SqlStatement<S>> S bind(S statement, AppKey key, String policy) {
    Instant expiresAt = key.expiresAt();
    return statement
        .bind("id", key.id())
        .bind("name", key.name())
        .bind("prefix", key.prefix())
        .bind("secret_hash", key.secretHash())
        .bind("created_at", key.createdAt().toEpochMilli())
        .bind("expires_at", expiresAt == null ? null : expiresAt.toEpochMilli())
        // setBoolean: a boolean column, or SQLite's 0/1 integer
        .bind("auto_renew", key.autoRenew())
        .bind("policy_json", policy)
        .bind("version", key.version())
        .bind("suspended_at", key.isSuspended() ? key.suspension().at().toEpochMilli() : null)
        .bind("suspended_reason", key.isSuspended() ? key.suspension().reason() : null)
        .bind("team_id", key.teamId());
  }

  private static AppKey map(ResultSet rs, StatementContext context) throws SQLException {
    long expiresAt = rs.getLong("expires_at");
    boolean neverExpires = rs.wasNull();
    return new AppKey(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("prefix"),
        rs.getString("secret_hash"),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        neverExpires ? null : Instant.ofEpochMilli(expiresAt),
        rs.getBoolean("auto_renew"),
        PolicyJson.read(rs.getString("policy_json")),
        rs.getLong("version"),
        suspension(rs),
        rs.getString("team_id"));
  }

  private static Suspension suspension(ResultSet rs) throws SQLException {
    long at = rs.getLong("suspended_at");
    if (rs.wasNull()) {
      return null;
    }
    String reason = rs.getString("suspended_reason");
    return new Suspension(Instant.ofEpochMilli(at), reason == null ? "" : reason);
  }
}
