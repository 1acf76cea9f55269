/**
 * Pouch's failures as values: one sealed, unchecked root carrying an {@link
 * dev.pouch.domain.error.ErrorCode}. The mapping to HTTP lives only at the edge (the server).
 */
package dev.pouch.domain.error;
