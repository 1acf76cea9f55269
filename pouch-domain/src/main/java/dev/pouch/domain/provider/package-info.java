/**
 * The provider port (outbound): what Pouch needs from an upstream LLM provider — model prices and
 * limits, a strict upper bound of a request's prompt tokens, execution, and metering of the answer.
 * A provider module implements {@link dev.pouch.domain.provider.ProviderFactory}.
 */
package dev.pouch.domain.provider;
