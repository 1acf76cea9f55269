import type { ProviderReconciliation } from '../../api/client';

/** One table row: a day's total, or one model of that day. */
export interface Row {
  key: string;
  day: string;
  model: string | null;
  isTotal: boolean;
  ledger: number;
  provider: number;
  difference: number;
  /** The drift as a percentage with up to two decimals ("3.5 %"), or "—" without a ledger amount. */
  drift: string;
  flagged: boolean;
}

/** The provider's days as table rows: each day's total first, then its models. */
export function rowsOf(section: ProviderReconciliation): Row[] {
  const rows: Row[] = [];
  for (const day of section.days) {
    rows.push({ key: `${day.day}`, day: day.day, model: null, isTotal: true, ledger: day.ledger_micros, provider: day.provider_micros, difference: day.difference_micros, drift: percent(day.drift_ratio), flagged: day.flagged });
    for (const m of day.models) {
      rows.push({ key: `${day.day}/${m.model ?? ''}`, day: day.day, model: m.model, isTotal: false, ledger: m.ledger_micros, provider: m.provider_micros, difference: m.difference_micros, drift: percent(m.drift_ratio), flagged: m.flagged });
    }
  }
  return rows;
}

/** "0.0312" → "3.12 %": the decimal point moved two places in the text (no floating point), cut to two decimals. */
export function percent(ratio: string | null): string {
  if (ratio === null) return '—';
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(ratio);
  if (!match) return ratio;
  const [, sign, whole, fraction = ''] = match;
  const padded = fraction.padEnd(2, '0');
  const integer = (whole + padded.slice(0, 2)).replace(/^0+(?=\d)/, '');
  const decimals = padded.slice(2, 4).replace(/0+$/, '');
  return `${sign}${integer}${decimals ? `.${decimals}` : ''} %`;
}

/** The last `days` UTC days up to `now`, as YYYY-MM-DD. */
export function lastDays(now: number, days: number): { from: string; to: string } {
  const to = new Date(now).toISOString().slice(0, 10);
  const from = new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}
