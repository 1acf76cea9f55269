/**
 * The limit-counter port: token buckets and concurrency slots that middlewares (built-in or third
 * party) take from. The host chooses where they live: in the process (each instance its own), or in
 * a store that several instances share. In the domain, beside the chain, so a middleware needs
 * {@code pouch-domain} only.
 */
package dev.pouch.domain.limit;
