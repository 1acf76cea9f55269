/**
 * App keys: the credentials Pouch hands out, each bound to a {@link dev.pouch.domain.key.KeyPolicy}
 * (provider, middleware chain, allowed models). Only the SHA-256 hash of a key's secret is ever
 * kept.
 */
package dev.pouch.domain.key;
