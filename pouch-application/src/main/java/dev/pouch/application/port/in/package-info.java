/**
 * Inbound ports: the use cases an HTTP layer (or an embedding application) calls. They speak in
 * domain types and throw {@link dev.pouch.domain.error.PouchException}s.
 */
package dev.pouch.application.port.in;
