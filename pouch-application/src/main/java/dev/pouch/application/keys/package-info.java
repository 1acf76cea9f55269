/**
 * Key management use cases (create, list, get, update, delete, budget reset), key secrets and the
 * verified-key cache.
 *
 * <p><b>Internal</b>: {@code KeyService}, {@code KeySecrets} and {@code VerifiedKeyCache} are
 * public only for Pouch's own wiring. The records {@link dev.pouch.application.port.in.ManageKeys}
 * speaks ({@code KeyDraft}, {@code KeyView}, {@code CreatedKey}) live in {@code port.in}.
 */
package dev.pouch.application.keys;
