package dev.pouch.adapters.postgres;

import dev.pouch.adapters.jdbc.KeyRows;
import dev.pouch.adapters.jdbc.PolicyJson;
import dev.pouch.application.port.out.KeyChange;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.domain.key.AppKey;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.postgresql.util.PSQLState;

/**
 * {@link KeyRepository} on the {@code app_keys} table; deleting sets {@code deleted_at}. An update
 * or a delete notifies the schema's {@link KeyChangeChannel} in its own transaction, so that every
 * other instance forgets its cached copy once, and only once, the change is committed, even when
 * this process dies right after the commit.
 */
final class PostgresKeyRepository implements KeyRepository {
  private final Database database;
  private final Clock clock;
  private final KeyChangeChannel changes;

  PostgresKeyRepository(Database database, Clock clock, KeyChangeChannel changes) {
    this.database = database;
    this.clock = clock;
    this.changes = changes;
  }

  @Override
  public void insert(AppKey key) {
    Objects.requireNonNull(key, "key");
    String policy = PolicyJson.write(key.policy());
    // DO NOTHING covers the uniqueness constraints only: any other violation still fails loudly
    int inserted =
        database.write(
            handle ->
                KeyRows.bind(
                        handle.createUpdate(
                            "INSERT INTO app_keys ("
                                + KeyRows.COLUMNS
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
      return changedAndTold(
          key.id(),
          handle ->
              KeyRows.bind(
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
                  .execute());
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
        query -> query.bind("value", value).map(KeyRows.MAPPER).findOne());
  }

  @Override
  public List<AppKey> list() {
    return selectLive(" ORDER BY created_at, seq", query -> query.map(KeyRows.MAPPER).list());
  }

  /** Runs a query over the live keys, {@code tail} appended to its WHERE clause. */
  private <R> R selectLive(String tail, Function<Query, R> run) {
    return database.read(
        handle ->
            run.apply(
                handle.createQuery(
                    "SELECT "
                        + KeyRows.COLUMNS
                        + " FROM app_keys WHERE deleted_at IS NULL"
                        + tail)));
  }

  @Override
  public boolean delete(String id) {
    Objects.requireNonNull(id, "id");
    long now = clock.millis();
    return changedAndTold(
        id,
        handle ->
            handle.execute(
                "UPDATE app_keys SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", now, id));
  }

  /**
   * Runs {@code change}, one statement that changes the key's row or not, and when it did, notifies
   * the other instances in the same transaction.
   */
  private boolean changedAndTold(String keyId, Function<Handle, Integer> change) {
    return database.transaction(
        handle -> {
          boolean changed = change.apply(handle) == 1;
          if (changed) {
            changes.send(handle, new KeyChange(keyId, KeyChange.Effect.RELOAD));
          }
          return Outcome.commit(changed);
        });
  }

  private static boolean isUniqueViolation(UnableToExecuteStatementException e) {
    return e.getCause() instanceof java.sql.SQLException sql
        && PSQLState.UNIQUE_VIOLATION.getState().equals(sql.getSQLState());
  }
}
