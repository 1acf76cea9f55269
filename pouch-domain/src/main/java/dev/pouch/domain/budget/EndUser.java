package dev.pouch.domain.budget;

import java.util.List;
import java.util.Objects;

/**
 * The end user a request names, inside its key: the third owner of budgets, after the key and its
 * team. Each distinct end user of a key has budgets of its own on the key's end-user terms, created
 * by the ledger the first time a reservation names it.
 *
 * @param keyId the key the end user belongs to (end users of two keys never share budgets)
 * @param id the end user's id as the client named it, checked by {@link #checkId}
 * @param budgets the key's end-user terms, in order: what the end user's budgets are created with;
 *     empty when the key gives its end users no budget (the id is then only recorded)
 */
public record EndUser(String keyId, String id, List<BudgetTerms> budgets) {
  /** Between a key's id and the end user's in the owner id; key ids never hold it. */
  public static final char SEPARATOR = '/';

  /** The longest end-user id accepted. */
  public static final int MAX_ID_LENGTH = 128;

  /** The characters an end-user id may hold besides ASCII letters and digits. */
  public static final String ID_PUNCTUATION = "._:@+/=-";

  public EndUser {
    Objects.requireNonNull(keyId, "keyId");
    if (keyId.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("a key id cannot hold '" + SEPARATOR + "'");
    }
    if (checkId(id) != null) {
      throw new IllegalArgumentException("invalid end-user id: " + checkId(id));
    }
    budgets = List.copyOf(budgets);
    if (budgets.size() > BudgetTerms.MAX_PER_OWNER) {
      throw new IllegalArgumentException("at most " + BudgetTerms.MAX_PER_OWNER + " budgets");
    }
  }

  /** The ledger's owner id of this end user's budgets: the key's id, '/', the end user's id. */
  public String ownerId() {
    return ownerId(keyId, id);
  }

  /** Whether a reservation naming this end user pays from budgets of the end user. */
  public boolean hasBudgets() {
    return !budgets.isEmpty();
  }

  /** The owner id of a key's end user. */
  public static String ownerId(String keyId, String endUserId) {
    return keyId + SEPARATOR + endUserId;
  }

  /** The first owner id of a key's end users, in the ledger's (binary) order. */
  public static String firstOwnerOf(String keyId) {
    return keyId + SEPARATOR;
  }

  /** The first owner id after every end user of the key: '/' + 1 is '0'. */
  public static String pastOwnersOf(String keyId) {
    return keyId + (char) (SEPARATOR + 1);
  }

  /** Whether an owner id is an end user's (keys' and teams' ids never hold the separator). */
  public static boolean isEndUserOwner(String ownerId) {
    return ownerId.indexOf(SEPARATOR) >= 0;
  }

  /**
   * An owner id as logs may show it: a key's or team's as it is; an end user's with its id left out
   * (an end-user id may be personal data: an e-mail address), as {@code key_…/(end user)}.
   */
  public static String loggable(String ownerId) {
    int separator = ownerId.indexOf(SEPARATOR);
    return separator < 0 ? ownerId : ownerId.substring(0, separator + 1) + "(end user)";
  }

  /** The end user's id in an end user's owner id. */
  public static String idOf(String ownerId) {
    return ownerId.substring(ownerId.indexOf(SEPARATOR) + 1);
  }

  /**
   * Why {@code id} is not an end-user id, or {@code null} when it is one: 1 to {@value
   * #MAX_ID_LENGTH} characters, each an ASCII letter, digit or one of {@value #ID_PUNCTUATION}
   * (enough for UUIDs, e-mail addresses, base64 and hex hashes).
   */
  public static String checkId(String id) {
    if (id == null || id.isEmpty()) {
      return "it is empty";
    }
    if (id.length() > MAX_ID_LENGTH) {
      return "it is longer than " + MAX_ID_LENGTH + " characters";
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean letterOrDigit =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!letterOrDigit && ID_PUNCTUATION.indexOf(c) < 0) {
        return "it may hold only ASCII letters, digits and " + ID_PUNCTUATION;
      }
    }
    return null;
  }
}
