package dev.pouch.domain.key;

/** A key's state as shown to admins. */
public enum KeyStatus {
  /** Usable. */
  ACTIVE,
  /** Past its expiry and not renewing itself. */
  EXPIRED,
  /** Its budget has no headroom left for this period. */
  EXHAUSTED,
  /** Stopped by a spend guard until an admin resumes it. */
  SUSPENDED;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
