package dev.pouch.domain.key;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An app key as stored: everything but the secret, of which only the SHA-256 hash is kept.
 *
 * @param id stable identifier ({@code key_…}), used by the admin API
 * @param name display name (see {@link KeyName})
 * @param prefix the first characters of the secret, shown in the UI to recognise a key
 * @param secretHash lower-case hex SHA-256 of the full secret
 * @param createdAt creation time
 * @param expiresAt expiry, or {@code null} when the key never expires
 * @param autoRenew whether expiry extends itself (and resets the budget) instead of locking the key
 * @param policy provider, middlewares, allowed models
 * @param version increases with every edit; caches and middleware instances are keyed by it
 * @param suspension why the key is stopped until an admin resumes it, or {@code null}
 */
public record AppKey(
    String id,
    String name,
    String prefix,
    String secretHash,
    Instant createdAt,
    Instant expiresAt,
    boolean autoRenew,
    KeyPolicy policy,
    long version,
    Suspension suspension) {

  /** How far an auto-renewal extends a key that has no budget period. */
  public static final Duration DEFAULT_RENEWAL = Duration.ofDays(30);

  public AppKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(secretHash, "secretHash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(policy, "policy");
  }

  /** A key that is not suspended. */
  public AppKey(
      String id,
      String name,
      String prefix,
      String secretHash,
      Instant createdAt,
      Instant expiresAt,
      boolean autoRenew,
      KeyPolicy policy,
      long version) {
    this(id, name, prefix, secretHash, createdAt, expiresAt, autoRenew, policy, version, null);
  }

  public boolean isSuspended() {
    return suspension != null;
  }

  public Optional<Instant> expiry() {
    return Optional.ofNullable(expiresAt);
  }

  /** Whether the key is past its expiry at {@code now}. */
  public boolean isExpiredAt(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }

  /**
   * The expiry after auto-renewal at {@code now}: extended by whole {@code renewal} steps until it
   * lies in the future, so a key renewed late keeps its rhythm.
   */
  public Instant renewedExpiry(Instant now, Duration renewal) {
    if (expiresAt == null) {
      throw new IllegalStateException("key " + id + " has no expiry to renew");
    }
    if (renewal.isZero() || renewal.isNegative()) {
      throw new IllegalArgumentException("renewal must be positive");
    }
    long behind = Duration.between(expiresAt, now).toMillis();
    long steps = behind < 0 ? 0 : behind / renewal.toMillis() + 1;
    return expiresAt.plus(renewal.multipliedBy(steps));
  }

  /** A copy with other fields edited by an admin; bumps the version. */
  public AppKey edited(String newName, Instant newExpiresAt, boolean newAutoRenew, KeyPolicy p) {
    return new AppKey(
        id,
        newName,
        prefix,
        secretHash,
        createdAt,
        newExpiresAt,
        newAutoRenew,
        p,
        version + 1,
        suspension);
  }

  /** A copy with a renewed expiry; bumps the version. */
  public AppKey withExpiry(Instant newExpiresAt) {
    return new AppKey(
        id,
        name,
        prefix,
        secretHash,
        createdAt,
        newExpiresAt,
        autoRenew,
        policy,
        version + 1,
        suspension);
  }

  /** A copy suspended (or resumed, with {@code null}); bumps the version. */
  public AppKey withSuspension(Suspension newSuspension) {
    return new AppKey(
        id,
        name,
        prefix,
        secretHash,
        createdAt,
        expiresAt,
        autoRenew,
        policy,
        version + 1,
        newSuspension);
  }

  /** Never prints the hash. */
  @Override
  public String toString() {
    return "AppKey[" + id + ", " + prefix + "…, v" + version + "]";
  }
}
