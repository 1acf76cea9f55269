/**
 * Money as {@code long} micro-dollars (1 USD = 1,000,000) and model prices per million tokens.
 * Arithmetic is exact ({@link java.lang.Math#addExact}) and every rounding goes up, so a cost is
 * never under-counted.
 */
package dev.pouch.domain.money;
