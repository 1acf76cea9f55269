import { useEffect, useState } from 'preact/hooks';
import type { KeyView, RequestRow } from '../../api/client';
import { formatMicros } from '../../ui/money';
import { api } from '../login/session';

const PAGE_SIZE = 20;

/** The request log, newest first, a page at a time (`after` = the id of the previous page's last row). */
export function RequestLog({ keyId, keys, reload = 0 }: { keyId?: string; keys: KeyView[]; reload?: number }) {
  // cursors[i] is the `after` of page i; page 0 has none
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [rows, setRows] = useState<RequestRow[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pageIndex = cursors.length - 1;

  useEffect(() => setCursors([undefined]), [keyId, reload]);

  useEffect(() => {
    let cancelled = false;
    // one extra row tells whether an older page exists
    api.requests({ keyId, limit: PAGE_SIZE + 1, after: cursors[pageIndex] }).then(
      (result) => {
        if (cancelled) return;
        setHasMore(result.length > PAGE_SIZE);
        setRows(result.slice(0, PAGE_SIZE));
        setError(null);
      },
      (e) => !cancelled && setError((e as Error).message),
    );
    return () => {
      cancelled = true;
    };
  }, [cursors, keyId]);

  const names = new Map(keys.map((k) => [k.id, k.name]));
  return (
    <div class="flex flex-col gap-2">
      {error && (
        <div role="alert" class="alert alert-error text-sm">
          {error}
        </div>
      )}
      <div class="bg-base-100 overflow-x-auto rounded-box shadow">
        <table class="table table-sm" data-testid="request-log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Key</th>
              <th scope="col">Model</th>
              <th scope="col" class="text-right">
                Tokens in / out
              </th>
              <th scope="col" class="text-right">
                Cost
              </th>
              <th scope="col">Status</th>
              <th scope="col" class="text-right">
                Latency
              </th>
              <th scope="col">Stream</th>
            </tr>
          </thead>
          <tbody>
            {rows?.length === 0 && (
              <tr>
                <td colSpan={8} class="text-center opacity-70">
                  No requests yet.
                </td>
              </tr>
            )}
            {rows?.map((r) => (
              <tr>
                <td class="whitespace-nowrap">{new Date(r.created_at).toLocaleString()}</td>
                <td>{names.get(r.key_id) ?? <span class="font-mono text-xs">{r.key_id}</span>}</td>
                <td class="font-mono text-xs">{r.model ?? '—'}</td>
                <td class="text-right">
                  {r.prompt_tokens} / {r.completion_tokens}
                </td>
                <td class="text-right">{formatMicros(r.cost_micros)}</td>
                <td>
                  <span class={`badge badge-sm ${r.status < 300 ? 'badge-success' : r.status < 500 ? 'badge-warning' : 'badge-error'}`} title={r.error_code ?? undefined}>
                    {r.status}
                  </span>
                  {r.error_code && <span class="ml-1 text-xs opacity-70">{r.error_code}</span>}
                </td>
                <td class="text-right">{r.latency_ms} ms</td>
                <td>{r.streamed ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="join self-end" aria-label="Request log pages">
        <button type="button" class="btn btn-sm join-item" disabled={pageIndex === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          « Newer
        </button>
        <span class="btn btn-sm join-item pointer-events-none">Page {pageIndex + 1}</span>
        <button
          type="button"
          class="btn btn-sm join-item"
          disabled={!hasMore || !rows?.length}
          onClick={() => rows && setCursors([...cursors, rows[rows.length - 1].id])}
        >
          Older »
        </button>
      </nav>
    </div>
  );
}

/** The request log on its own page, filterable by key. */
export function RequestLogPage() {
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [keyId, setKeyId] = useState('');
  const [reload, setReload] = useState(0);
  useEffect(() => {
    api.listKeys().then(setKeys, () => undefined);
  }, []);
  return (
    <section aria-labelledby="logs-title" class="flex flex-col gap-4">
      <div class="flex flex-wrap items-end gap-3">
        <h1 id="logs-title" class="mr-auto text-2xl font-bold">
          Request log
        </h1>
        <div class="flex flex-col gap-1">
          <label for="logs-key" class="text-sm font-medium">
            Key
          </label>
          <select id="logs-key" class="select select-bordered select-sm" value={keyId} onChange={(e) => setKeyId((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">All keys</option>
            {keys.map((k) => (
              <option value={k.id}>{k.name}</option>
            ))}
          </select>
        </div>
        <button type="button" class="btn btn-sm" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <RequestLog keyId={keyId || undefined} keys={keys} reload={reload} />
    </section>
  );
}
