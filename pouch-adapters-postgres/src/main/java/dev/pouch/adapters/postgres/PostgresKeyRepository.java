package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.Suspension;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.postgresql.util.PSQLState;

/** {@link KeyRepository} on the {@code app_keys} table; deleting sets {@code deleted_at}. */
final class PostgresKeyRepository implements KeyRepository {
  private static final String COLUMNS =
      "id, name, prefix, secret_hash, created_at, expires_at, auto_renew, policy_json, version,"
          + " suspended_at, suspended_reason, team_id";

  private final Database database;
  private final Clock clock;

  PostgresKeyRepository(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  @Override
  public void insert(AppKey key) {
    Objects.requireNonNull(key, "key");
    String policy = PolicyJson.write(key.policy());
    // DO NOTHING covers the uniqueness constraints only: any other violation still fails loudly
    int inserted =
        database.write(
            handle ->
                bindKey(
                        handle.createUpdate(
                            "INSERT INTO app_keys ("
                                + COLUMNS
                                + ") VALUES (:id, :name, :prefix, :secret_hash, :created_at,"
                                + " :expires_at, :auto_renew, :policy_json, :version, :suspended_at,"
                                + " :suspended_reason, :team_id)"
                                + " ON CONFLICT DO NOTHING"),
                        key,
                        policy)
                    .execute());
    if (inserted == 0) {
      throw new IllegalStateException("a key with this id or secret hash exists already: " + key);
    }
  }

  @Override
  public boolean update(AppKey key, long expectedVersion) {
    Objects.requireNonNull(key, "key");
    String policy = PolicyJson.write(key.policy());
    try {
      return database.write(
              handle ->
                  bindKey(
                          handle.createUpdate(
                              "UPDATE app_keys SET name = :name, prefix = :prefix,"
                                  + " secret_hash = :secret_hash, created_at = :created_at,"
                                  + " expires_at = :expires_at, auto_renew = :auto_renew,"
                                  + " policy_json = :policy_json, version = :version,"
                                  + " suspended_at = :suspended_at,"
                                  + " suspended_reason = :suspended_reason, team_id = :team_id"
                                  + " WHERE id = :id AND version = :expected_version"
                                  + " AND deleted_at IS NULL"),
                          key,
                          policy)
                      .bind("expected_version", expectedVersion)
                      .execute())
          == 1;
    } catch (UnableToExecuteStatementException e) {
      if (isUniqueViolation(e)) {
        throw new IllegalStateException("another key has this secret hash: " + key, e);
      }
      throw e;
    }
  }

  @Override
  public Optional<AppKey> findById(String id) {
    return findOne("id", id);
  }

  @Override
  public Optional<AppKey> findBySecretHash(String secretHash) {
    return findOne("secret_hash", secretHash);
  }

  private Optional<AppKey> findOne(String column, String value) {
    Objects.requireNonNull(value, column);
    return selectLive(
        " AND " + column + " = :value",
        query -> query.bind("value", value).map(PostgresKeyRepository::map).findOne());
  }

  @Override
  public List<AppKey> list() {
    return selectLive(
        " ORDER BY created_at, seq", query -> query.map(PostgresKeyRepository::map).list());
  }

  /** Runs a query over the live keys, {@code tail} appended to its WHERE clause. */
  private <R> R selectLive(String tail, Function<Query, R> run) {
    return database.read(
        handle ->
            run.apply(
                handle.createQuery(
                    "SELECT " + COLUMNS + " FROM app_keys WHERE deleted_at IS NULL" + tail)));
  }

  @Override
  public boolean delete(String id) {
    Objects.requireNonNull(id, "id");
    long now = clock.millis();
    return database.write(
            handle ->
                handle.execute(
                    "UPDATE app_keys SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                    now,
                    id))
        == 1;
  }

  private static <S extends SqlStatement<S>> S bindKey(S statement, AppKey key, String policy) {
    Instant expiresAt = key.expiresAt();
    return statement
        .bind("id", key.id())
        .bind("name", key.name())
        .bind("prefix", key.prefix())
        .bind("secret_hash", key.secretHash())
        .bind("created_at", key.createdAt().toEpochMilli())
        .bind("expires_at", expiresAt == null ? null : expiresAt.toEpochMilli())
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

  private static boolean isUniqueViolation(UnableToExecuteStatementException e) {
    return e.getCause() instanceof java.sql.SQLException sql
        && PSQLState.UNIQUE_VIOLATION.getState().equals(sql.getSQLState());
  }
}
