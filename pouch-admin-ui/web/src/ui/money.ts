/**
 * Money is integer micro-dollars (1 USD = 1,000,000) on the wire. These conversions work on the
 * decimal digits as text and integers, never through floating-point arithmetic.
 */

export const MICROS_PER_DOLLAR = 1_000_000;

/** The largest whole number a JSON number (a JS double) carries exactly. */
const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

export type Parsed = { ok: true; micros: number } | { ok: false; error: string };

/**
 * Parses what a person typed as dollars ("12", "12.5", "$1,000.25", ".5") into micros. More than
 * six decimals, signs, exponents and anything but digits are refused with a message.
 */
export function dollarsToMicros(input: string): Parsed {
  const text = input.trim().replace(/^\$/, '').replace(/,/g, '').trim();
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!text || !match || (match[1] === '' && (match[2] ?? '') === '')) {
    return { ok: false, error: 'Enter an amount in dollars, like 5 or 12.50.' };
  }
  const whole = match[1] || '0';
  const fraction = match[2] ?? '';
  if (fraction.length > 6) {
    return { ok: false, error: 'At most 6 decimals: the smallest amount is $0.000001.' };
  }
  const micros = BigInt(whole) * BigInt(MICROS_PER_DOLLAR) + BigInt(fraction.padEnd(6, '0'));
  if (micros > MAX_MICROS) {
    return { ok: false, error: 'That amount is too large.' };
  }
  return { ok: true, micros: Number(micros) };
}

/**
 * Micros as a plain decimal dollar amount for an input field: "12.5" for 12,500,000, "0.000001"
 * for 1, "0" for 0 (no trailing zeros, no symbol).
 */
export function microsToDollarInput(micros: number): string {
  const { negative, whole, fraction } = split(micros);
  const trimmed = fraction.replace(/0+$/, '');
  return (negative ? '-' : '') + whole + (trimmed ? `.${trimmed}` : '');
}

/**
 * Micros for display: "$12.50", "$1,234.00", and small amounts with the digits they need
 * ("$0.000150"), at least two decimals.
 */
export function formatMicros(micros: number): string {
  const { negative, whole, fraction } = split(micros);
  let shown = fraction.replace(/0+$/, '');
  if (shown.length < 2) shown = shown.padEnd(2, '0');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}$${grouped}.${shown}`;
}

function split(micros: number): { negative: boolean; whole: string; fraction: string } {
  if (!Number.isSafeInteger(micros)) {
    throw new RangeError(`not a whole number of micros: ${micros}`);
  }
  const value = BigInt(micros);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const per = BigInt(MICROS_PER_DOLLAR);
  return {
    negative,
    whole: (abs / per).toString(),
    fraction: (abs % per).toString().padStart(6, '0'),
  };
}

/** Share of a limit as a percentage clamped to [0, 100]; 0 for an unlimited (0) limit. */
export function percentOf(part: number, limit: number): number {
  if (limit <= 0) return 0;
  return Math.min(100, Math.max(0, (part * 100) / limit));
}
