package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.StoredResponses;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** {@link StoredResponses} on the {@code stored_responses} table. */
final class PostgresStoredResponses implements StoredResponses {
  private final Database database;

  PostgresStoredResponses(Database database) {
    this.database = database;
  }

  @Override
  public void record(String responseId, String keyId, long contextTokens, Instant at) {
    Objects.requireNonNull(responseId, "responseId");
    Objects.requireNonNull(keyId, "keyId");
    database.write(
        handle ->
            handle
                .createUpdate(
                    "INSERT INTO stored_responses"
                        + " (response_id, key_id, context_tokens, created_at)"
                        + " VALUES (:id, :key_id, :context, :at) ON CONFLICT (response_id)"
                        + " DO UPDATE SET key_id = excluded.key_id,"
                        + " context_tokens = excluded.context_tokens, created_at = excluded.created_at")
                .bind("id", responseId)
                .bind("key_id", keyId)
                .bind("context", contextTokens)
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public Optional<StoredResponse> lookup(String responseId) {
    Objects.requireNonNull(responseId, "responseId");
    return database.read(
        handle ->
            handle
                .createQuery(
                    "SELECT key_id, context_tokens FROM stored_responses WHERE response_id = :id")
                .bind("id", responseId)
                .map((rows, context) -> new StoredResponse(rows.getString(1), rows.getLong(2)))
                .findOne());
  }

  @Override
  public void forget(String responseId) {
    Objects.requireNonNull(responseId, "responseId");
    database.write(
        handle ->
            handle
                .createUpdate("DELETE FROM stored_responses WHERE response_id = :id")
                .bind("id", responseId)
                .execute());
  }
}
