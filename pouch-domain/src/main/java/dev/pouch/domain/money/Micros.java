package dev.pouch.domain.money;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Helpers for money held as {@code long} micro-dollars. Pure functions only: a class of its own
 * keeps the conversions (and their rounding direction) in one place.
 */
public final class Micros {
  /** Micro-dollars in one US dollar. */
  public static final long PER_USD = 1_000_000L;

  /** Tokens that a price "per million tokens" refers to. */
  public static final long TOKENS_PER_PRICE_UNIT = 1_000_000L;

  private Micros() {}

  /**
   * Converts a dollar amount written as a decimal (for example {@code "2.50"}) to micro-dollars.
   * Fractions of a micro-dollar round up, so a configured price is never cheaper than written.
   */
  public static long fromUsd(BigDecimal usd) {
    if (usd.signum() < 0) {
      throw new IllegalArgumentException("a dollar amount cannot be negative: " + usd);
    }
    return usd.movePointRight(6).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** Formats micro-dollars as dollars with six decimals, for messages and logs. */
  public static String toUsdString(long micros) {
    return BigDecimal.valueOf(micros).movePointLeft(6).toPlainString();
  }

  /**
   * Cost in micro-dollars of {@code tokens} at {@code microsPerMillionTokens}, exact and before
   * rounding, scaled by one million (so several terms can be added before one rounding).
   */
  public static long scaledCost(long tokens, long microsPerMillionTokens) {
    requireNonNegative(tokens, "tokens");
    requireNonNegative(microsPerMillionTokens, "price");
    return Math.multiplyExact(tokens, microsPerMillionTokens);
  }

  /** Rounds a scaled cost (see {@link #scaledCost}) up to whole micro-dollars. */
  public static long roundUp(long scaledCost) {
    requireNonNegative(scaledCost, "scaled cost");
    long quotient = scaledCost / TOKENS_PER_PRICE_UNIT;
    return scaledCost % TOKENS_PER_PRICE_UNIT == 0 ? quotient : quotient + 1;
  }

  /** Adds two non-negative amounts, failing on overflow instead of wrapping. */
  public static long add(long a, long b) {
    return Math.addExact(a, b);
  }

  static void requireNonNegative(long value, String what) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " cannot be negative: " + value);
    }
  }
}
