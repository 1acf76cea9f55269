/**
 * Pouch's use cases: key management and the proxy flow (authenticate, check, chain, reserve,
 * execute, settle). Depends only on the domain and SLF4J; stores and providers come in through
 * ports.
 */
package dev.pouch.application;
