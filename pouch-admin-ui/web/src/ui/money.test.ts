import { describe, expect, it } from 'vitest';
import { dollarsToMicros, formatMicros, microsToDollarInput, percentOf } from './money';

describe('dollarsToMicros', () => {
  it.each([
    ['1', 1_000_000],
    ['0', 0],
    ['12.5', 12_500_000],
    ['0.1', 100_000],
    ['0.29', 290_000], // 0.29 * 1e6 is 289999.99999999994 in floating point
    ['1.005', 1_005_000],
    ['0.000001', 1],
    ['.5', 500_000],
    ['7.', 7_000_000],
    ['$1,234.56', 1_234_560_000],
    ['  3.25  ', 3_250_000],
    ['9007199254.740991', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %d micros', (input, micros) => {
    expect(dollarsToMicros(input)).toEqual({ ok: true, micros });
  });

  it.each(['', ' ', '.', 'abc', '-1', '1e3', '1.2.3', '+5', '0x10'])('refuses %j', (input) => {
    const parsed = dollarsToMicros(input);
    expect(parsed.ok).toBe(false);
  });

  it('refuses more than six decimals instead of rounding', () => {
    const parsed = dollarsToMicros('0.0000001');
    expect(parsed).toEqual({ ok: false, error: expect.stringContaining('6 decimals') });
  });

  it('refuses amounts past what a JSON number carries exactly', () => {
    expect(dollarsToMicros('9007199254.740992')).toEqual({ ok: false, error: 'That amount is too large.' });
  });
});

describe('micros to text', () => {
  it('round-trips through the input format', () => {
    for (const micros of [0, 1, 10, 999_999, 1_000_000, 1_000_001, 290_000, 123_456_789, Number.MAX_SAFE_INTEGER]) {
      const text = microsToDollarInput(micros);
      expect(dollarsToMicros(text)).toEqual({ ok: true, micros });
    }
    expect(microsToDollarInput(12_500_000)).toBe('12.5');
    expect(microsToDollarInput(1)).toBe('0.000001');
  });

  it('formats for display with at least two decimals and grouping', () => {
    expect(formatMicros(0)).toBe('$0.00');
    expect(formatMicros(12_500_000)).toBe('$12.50');
    expect(formatMicros(150)).toBe('$0.00015');
    expect(formatMicros(1_234_567_890_000)).toBe('$1,234,567.89');
    expect(formatMicros(-2_000_000)).toBe('-$2.00');
  });

  it('refuses fractional micros', () => {
    expect(() => formatMicros(1.5)).toThrow(RangeError);
  });

  it('computes bar shares, clamped, with unlimited as 0', () => {
    expect(percentOf(250_000, 1_000_000)).toBe(25);
    expect(percentOf(2_000_000, 1_000_000)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });
});
