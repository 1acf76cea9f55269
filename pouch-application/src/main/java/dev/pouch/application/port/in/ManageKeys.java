package dev.pouch.application.port.in;

import java.util.List;
import java.util.Optional;

/** Admin use cases on app keys. Unknown ids throw {@code NOT_FOUND}. */
public interface ManageKeys {

  /** Creates a key; the returned secret is shown once and never stored. */
  CreatedKey create(KeyDraft draft);

  List<KeyView> list();

  KeyView get(String keyId);

  /**
   * Replaces a key's settings (not its secret). A secret config field that is absent keeps its
   * stored value when the provider stays the same. Takes effect for the next request.
   */
  KeyView update(String keyId, KeyDraft draft);

  /**
   * Checks {@code draft} as {@link #create} would (plugin configs included), changing nothing.
   *
   * @throws dev.pouch.domain.error.RequestRejectedException naming the field at fault
   */
  void check(KeyDraft draft);

  /**
   * What {@link #update} with {@code draft} would change, as draft field names ({@code name},
   * {@code provider}, {@code middlewares}, {@code allowed_models}, {@code budgets}, {@code
   * team_id}, {@code expires_at}, {@code auto_renew}, or {@code policy} for any other part of the
   * key's policy); empty when nothing. Checks the draft as update does (but not that its team
   * exists) and changes nothing. A secret sent in plaintext that equals the stored one is no
   * change. Keys as code ({@code pouch apply}) updates only keys with changes.
   */
  List<String> changes(String keyId, KeyDraft draft);

  /** Revokes a key at once; in-flight requests still settle. */
  void delete(String keyId);

  /** Starts a new period of each of the key's own budgets now (spent back to 0, history kept). */
  KeyView resetBudget(String keyId);

  /**
   * Stops a key until {@link #resume}: its requests get 403 {@code key_suspended}; requests in
   * flight finish and settle. Suspending a suspended key keeps the first reason.
   */
  KeyView suspend(String keyId, String reason);

  /**
   * Lifts a suspension (by an admin or a spend guard). The key's middlewares restart with fresh
   * state, so a guard does not trip again on the spend that tripped it.
   */
  KeyView resume(String keyId);

  /**
   * A page of the key's end users that have budgets (created by their first request), by id in
   * ascending (binary) order, with their budgets.
   *
   * @param after the last id of the previous page, or {@code null} for the first
   * @param limit at most this many
   */
  List<EndUserView> endUsers(String keyId, String after, int limit);

  /** One end user of the key with its budgets, or empty when it has none (or is no valid id). */
  Optional<EndUserView> endUser(String keyId, String endUserId);
}
