/**
 * Key management use cases (create, list, get, update, delete, budget reset), key secrets and the
 * verified-key cache.
 */
package dev.pouch.application.keys;
