/**
 * Pouch's use cases: key management and the proxy flow (authenticate, check, chain, reserve,
 * execute, settle). Depends only on the domain and SLF4J; stores and providers come in through
 * ports.
 *
 * <p>The embedding API is {@link dev.pouch.application.Pouch#builder()}, the inbound ports in
 * {@code port.in} ({@code ManageKeys}, {@code ProxyChat}), the outbound ports in {@code port.out}
 * that store modules implement, and the plugin catalog. See {@code docs/EMBEDDING.md}.
 */
package dev.pouch.application;
