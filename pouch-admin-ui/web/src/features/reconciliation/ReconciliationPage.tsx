import { useEffect, useState } from 'preact/hooks';
import type { ProviderReconciliation, Reconciliation } from '../../api/client';
import { formatMicros } from '../../ui/money';
import { api } from '../login/session';
import { lastDays, rowsOf } from './reconciliationRows';

/** The ledger beside each provider's own bill per UTC day and model; drifted rows highlighted. */
export function ReconciliationPage() {
  const initial = lastDays(Date.now(), 7);
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [result, setResult] = useState<Reconciliation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  function load() {
    setLoading(true);
    api.reconciliation({ from, to }).then(
      (r) => {
        setResult(r);
        setError(null);
        setLoading(false);
      },
      (e) => {
        setError((e as Error).message);
        setLoading(false);
      },
    );
  }

  useEffect(load, []);

  return (
    <section aria-labelledby="reconciliation-title" class="flex flex-col gap-4">
      <form
        class="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
      >
        <h1 id="reconciliation-title" class="mr-auto text-2xl font-bold">
          Reconciliation
        </h1>
        <div class="flex flex-col gap-1">
          <label for="recon-from" class="text-sm font-medium">
            From (UTC)
          </label>
          <input id="recon-from" type="date" class="input input-bordered input-sm" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="flex flex-col gap-1">
          <label for="recon-to" class="text-sm font-medium">
            To (UTC)
          </label>
          <input id="recon-to" type="date" class="input input-bordered input-sm" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="btn btn-sm btn-primary" disabled={loading}>
          Compare
        </button>
      </form>
      {error && (
        <div role="alert" class="alert alert-error text-sm">
          {error}
        </div>
      )}
      {result && (
        <p class="text-sm opacity-80">
          Flagged: the provider's bill differs from the ledger by more than {result.drift_percent} % and {formatMicros(result.drift_floor_micros)}.
          {result.unattributed_micros > 0 && ` Spend of deleted keys, not attributed to a provider: ${formatMicros(result.unattributed_micros)}.`}
        </p>
      )}
      {result?.providers.map((section) => <ProviderTable section={section} />)}
    </section>
  );
}

function ProviderTable({ section }: { section: ProviderReconciliation }) {
  return (
    <div class="card bg-base-100 shadow" data-testid={`reconciliation-${section.provider}`}>
      <div class="card-body p-4">
        <h2 class="card-title">
          {section.provider}
          {section.flagged && <span class="badge badge-warning">drift</span>}
        </h2>
        {!section.available ? (
          <p role="status" class={section.status === 'failed' ? 'text-error text-sm' : 'text-sm opacity-80'}>
            {section.status === 'failed' ? `The bill could not be read${section.upstream_status ? ` (HTTP ${section.upstream_status})` : ''}: ` : 'Not available: '}
            {section.reason}
          </p>
        ) : (
          <div class="overflow-x-auto">
            <table class="table table-sm">
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Model</th>
                  <th class="text-right">Ledger</th>
                  <th class="text-right">Provider</th>
                  <th class="text-right">Difference</th>
                  <th class="text-right">Drift</th>
                </tr>
              </thead>
              <tbody>
                {rowsOf(section).map((row) => (
                  <tr key={row.key} class={`${row.flagged ? 'bg-warning/30' : ''} ${row.isTotal ? 'font-semibold' : ''}`} data-flagged={row.flagged ? 'true' : undefined}>
                    <td>{row.isTotal ? row.day : ''}</td>
                    <td>{row.isTotal ? 'all models' : (row.model ?? 'not attributed')}</td>
                    <td class="text-right">{formatMicros(row.ledger)}</td>
                    <td class="text-right">{formatMicros(row.provider)}</td>
                    <td class="text-right">{formatMicros(row.difference)}</td>
                    <td class="text-right">
                      {row.drift}
                      {row.flagged && <span class="sr-only"> (flagged)</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
