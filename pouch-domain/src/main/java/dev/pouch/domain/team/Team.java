package dev.pouch.domain.team;

import dev.pouch.domain.key.KeyName;
import java.time.Instant;
import java.util.Objects;

/**
 * A team: keys that share budgets. Its budgets live in the ledger under its id, like a key's; a key
 * names its team ({@link dev.pouch.domain.key.AppKey#teamId()}).
 *
 * @param id stable identifier ({@code team_…}), never equal to a key's
 * @param name display name, by the rule of key names ({@link KeyName})
 * @param createdAt creation time
 */
public record Team(String id, String name, Instant createdAt) {
  public Team {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** A copy renamed. */
  public Team renamed(String newName) {
    return new Team(id, newName, createdAt);
  }
}
