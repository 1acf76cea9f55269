/**
 * The per-key middleware chain, in the shape of OkHttp's interceptors: a {@link
 * dev.pouch.domain.chain.Middleware} receives a {@link dev.pouch.domain.chain.Middleware.Chain},
 * may change the request, short-circuit with its own response, or {@code proceed} and inspect the
 * result. The terminal link reserves budget, calls the provider and settles.
 */
package dev.pouch.domain.chain;
