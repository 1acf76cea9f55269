package dev.pouch.domain.key;

import java.math.BigInteger;
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
 * @param teamId the team whose budgets the key's requests pay from too, or {@code null}
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
    Suspension suspension,
    String teamId) {

  /** How far an auto-renewal extends a key that has no budget period. */
  public static final Duration DEFAULT_RENEWAL = Duration.ofDays(30);

  /**
   * The earliest expiry an admin may set. An earlier one means nothing more than "expired", and far
   * enough back it overflows the store's milliseconds and the renewal arithmetic.
   */
  public static final Instant EARLIEST_EXPIRY = Instant.EPOCH;

  /**
   * The latest expiry an admin may set, and the furthest a renewal extends a key: the last second
   * of year 9999, the largest year ISO-8601 writes without a sign.
   */
  public static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000);

  public AppKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(secretHash, "secretHash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(policy, "policy");
  }

  /** A key without team. */
  public AppKey(
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
    this(
        id,
        name,
        prefix,
        secretHash,
        createdAt,
        expiresAt,
        autoRenew,
        policy,
        version,
        suspension,
        null);
  }

  /** A key that is not suspended, without team. */
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
    this(
        id, name, prefix, secretHash, createdAt, expiresAt, autoRenew, policy, version, null, null);
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
   * Whether {@code expiry} is one an admin may set: from {@link #EARLIEST_EXPIRY} to {@link
   * #LATEST_EXPIRY}.
   */
  public static boolean isSettableExpiry(Instant expiry) {
    return !expiry.isBefore(EARLIEST_EXPIRY) && !expiry.isAfter(LATEST_EXPIRY);
  }

  /**
   * The expiry after auto-renewal at {@code now}: extended by whole {@code renewal} steps until it
   * lies in the future, so a key renewed late keeps its rhythm. A renewal never extends it beyond
   * {@link #LATEST_EXPIRY}, and nothing here overflows, whatever expiry and renewal were stored.
   */
  public Instant renewedExpiry(Instant now, Duration renewal) {
    if (expiresAt == null) {
      throw new IllegalStateException("key " + id + " has no expiry to renew");
    }
    if (renewal.isZero() || renewal.isNegative()) {
      throw new IllegalArgumentException("renewal must be positive");
    }
    if (now.isBefore(expiresAt)) {
      return expiresAt;
    }
    // The next step boundary after now, reached from now rather than by multiplying renewals from
    // the old expiry: a step from now is at most one renewal, so no product can overflow.
    Duration intoStep = remainder(Duration.between(expiresAt, now), renewal);
    Duration toNextStep = renewal.minus(intoStep);
    // Capped so a renewed expiry stays one the store holds and an admin can send back unchanged.
    if (toNextStep.compareTo(Duration.between(now, LATEST_EXPIRY)) > 0) {
      return LATEST_EXPIRY;
    }
    return now.plus(toNextStep);
  }

  /** {@code dividend mod divisor}, exact: the quotient of two durations may not fit in a long. */
  private static Duration remainder(Duration dividend, Duration divisor) {
    BigInteger[] seconds = nanos(dividend).mod(nanos(divisor)).divideAndRemainder(NANOS_PER_SECOND);
    return Duration.ofSeconds(seconds[0].longValueExact(), seconds[1].longValueExact());
  }

  private static BigInteger nanos(Duration duration) {
    return BigInteger.valueOf(duration.getSeconds())
        .multiply(NANOS_PER_SECOND)
        .add(BigInteger.valueOf(duration.getNano()));
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
        suspension,
        teamId);
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
        suspension,
        teamId);
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
        newSuspension,
        teamId);
  }

  /** A copy in another team (or none, with {@code null}); bumps the version. */
  public AppKey withTeam(String newTeamId) {
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
        suspension,
        newTeamId);
  }

  /** Never prints the hash. */
  @Override
  public String toString() {
    return "AppKey[" + id + ", " + prefix + "…, v" + version + "]";
  }
}
