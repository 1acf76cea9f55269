import { useState } from 'preact/hooks';
import type { KeyStatus } from '../api/client';
import { formatMicros, percentOf } from './money';

const STATUS_CLASS: Record<KeyStatus | 'simulation', string> = {
  active: 'badge-success',
  expired: 'badge-warning',
  exhausted: 'badge-error',
  suspended: 'badge-error',
  simulation: 'badge-info',
};

export function StatusBadge({ status }: { status: KeyStatus | 'simulation' }) {
  return <span class={`badge badge-sm ${STATUS_CLASS[status] ?? 'badge-ghost'}`}>{status}</span>;
}

export function ProviderBadge({ id }: { id: string }) {
  return <span class="badge badge-sm badge-outline font-mono">{id}</span>;
}

/** Spent and reserved of the limit as one bar; ∞ for an unlimited budget (limit 0). */
export function BudgetBar({ limit, spent, reserved }: { limit: number; spent: number; reserved: number }) {
  if (limit <= 0) {
    return (
      <div class="text-sm" data-testid="budget">
        <span>{formatMicros(spent)}</span> spent of <span aria-label="unlimited" title="unlimited">∞</span>
        {reserved > 0 && <span class="opacity-70"> · {formatMicros(reserved)} reserved</span>}
      </div>
    );
  }
  const spentPct = percentOf(spent, limit);
  const reservedPct = Math.min(100 - spentPct, percentOf(reserved, limit));
  return (
    <div class="flex flex-col gap-1" data-testid="budget">
      <div
        class="bg-base-300 flex h-2 w-full overflow-hidden rounded-full"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={spent + reserved}
        aria-label={`${formatMicros(spent)} spent and ${formatMicros(reserved)} reserved of ${formatMicros(limit)}`}
      >
        <div class={spentPct >= 100 ? 'bg-error' : 'bg-primary'} style={{ width: `${spentPct}%` }} />
        <div class="bg-warning" style={{ width: `${reservedPct}%` }} />
      </div>
      <div class="text-xs">
        <span>{formatMicros(spent)}</span> spent
        {reserved > 0 && <span> + {formatMicros(reserved)} reserved</span>} of {formatMicros(limit)}
      </div>
    </div>
  );
}

/** A button that copies text and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="btn btn-xs btn-ghost"
      aria-label={`${label}: ${text}`}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          // no clipboard (insecure origin): select-and-copy by hand still works
        }
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

interface MoneyInputProps {
  id: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  placeholder?: string;
}

/** A dollar amount typed as text (see money.ts for the exact conversion to micros). */
export function MoneyInput({ id, value, onInput, error, placeholder }: MoneyInputProps) {
  return (
    <label class={`input input-bordered flex w-full items-center gap-2 ${error ? 'input-error' : ''}`}>
      <span aria-hidden="true">$</span>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        class="grow"
        value={value}
        placeholder={placeholder}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </label>
  );
}

export function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <span id={`${id}-error`} class="text-error text-xs" role="alert">
      {error}
    </span>
  );
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The reset periods the forms offer, in seconds (0: never). */
export const PERIODS = [0, 3600, 86400, 604800, 2592000];

export function formatPeriod(seconds: number): string {
  if (!seconds) return 'never';
  const known: Record<number, string> = { 3600: 'hourly', 86400: 'daily', 604800: 'weekly', 2592000: 'every 30 days' };
  if (known[seconds]) return known[seconds];
  if (seconds % 86400 === 0) return `every ${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `every ${seconds / 3600} hours`;
  return `every ${seconds} s`;
}
