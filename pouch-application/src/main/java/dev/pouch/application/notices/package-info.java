/**
 * Outgoing notices (webhooks) that middlewares send through {@link
 * dev.pouch.domain.chain.KeyControl#notify}; the JDK-based default sender.
 */
package dev.pouch.application.notices;
