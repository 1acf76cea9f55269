/**
 * Key management use cases (create, list, get, update, delete, budget reset), key secrets and the
 * verified-key cache.
 *
 * <p>Public API: the records {@link dev.pouch.application.keys.KeyDraft}, {@link
 * dev.pouch.application.keys.KeyView} and {@link dev.pouch.application.keys.CreatedKey} that {@link
 * dev.pouch.application.port.in.ManageKeys} speaks. {@code KeyService}, {@code KeySecrets} and
 * {@code VerifiedKeyCache} are <b>internal</b> (public only for Pouch's own wiring).
 */
package dev.pouch.application.keys;
