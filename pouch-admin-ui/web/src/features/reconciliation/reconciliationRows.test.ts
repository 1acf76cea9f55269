import { describe, expect, it } from 'vitest';
import type { ProviderReconciliation } from '../../api/client';
import { lastDays, percent, rowsOf } from './reconciliationRows';

describe('percent', () => {
  it('moves the decimal point in the text and keeps two decimals', () => {
    expect(percent('0.03')).toBe('3 %');
    expect(percent('0.0312346')).toBe('3.12 %');
    expect(percent('-0.5')).toBe('-50 %');
    expect(percent('12')).toBe('1200 %');
    expect(percent('0.000001')).toBe('0 %');
    expect(percent(null)).toBe('—');
  });
});

describe('rowsOf', () => {
  it('lists each day total first, then its models, flags kept', () => {
    const section: ProviderReconciliation = {
      provider: 'openai',
      available: true,
      status: 'available',
      reason: null,
      upstream_status: null,
      flagged: true,
      days: [
        {
          day: '2026-11-02',
          ledger_micros: 100,
          provider_micros: 150,
          difference_micros: 50,
          drift_ratio: '0.5',
          flagged: true,
          models: [
            { model: 'gpt-4o-mini', ledger_micros: 100, provider_micros: 150, difference_micros: 50, drift_ratio: '0.5', flagged: true, ledger_requests: 1, ledger_prompt_tokens: 1, ledger_completion_tokens: 1, provider_input_tokens: 1, provider_output_tokens: 1 },
          ],
        },
      ],
    };
    const rows = rowsOf(section);
    expect(rows.map((r) => [r.isTotal, r.model, r.drift, r.flagged])).toEqual([
      [true, null, '50 %', true],
      [false, 'gpt-4o-mini', '50 %', true],
    ]);
  });
});

describe('lastDays', () => {
  it('spans the given number of UTC days up to today', () => {
    expect(lastDays(Date.parse('2026-11-30T23:59:00Z'), 7)).toEqual({ from: '2026-11-24', to: '2026-11-30' });
  });
});
