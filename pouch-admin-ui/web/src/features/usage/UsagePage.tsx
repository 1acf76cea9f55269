import { useEffect, useState } from 'preact/hooks';
import type { Bucket, KeyView, Usage } from '../../api/client';
import { formatMicros } from '../../ui/money';
import { api } from '../login/session';
import { RequestLog } from '../logs/RequestLogPage';
import { costByStart, sum, windowOf } from './usageSeries';

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];
const MAX_SERIES = COLORS.length - 1;

interface Series {
  label: string;
  color: string;
  values: number[];
}

interface ChartData {
  starts: number[];
  total: number[];
  series: Series[];
  requests: number;
  tokens: number;
}

/** Spend per bucket, stacked by key, with the total on top; and the request log below. */
export function UsagePage() {
  const [bucket, setBucket] = useState<Bucket>('day');
  const [keyId, setKeyId] = useState('');
  const [keyList, setKeyList] = useState<KeyView[]>([]);
  const [chart, setChart] = useState<ChartData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    api.listKeys().then(setKeyList, (e) => setError((e as Error).message));
  }, [reload]);

  useEffect(() => {
    let cancelled = false;
    const { from, to, starts } = windowOf(bucket, Date.now());
    const chosen = keyId ? keyList.filter((k) => k.id === keyId) : [...keyList].sort((a, b) => b.budget.spent_micros - a.budget.spent_micros).slice(0, MAX_SERIES);
    Promise.all([
      api.usage({ bucket, from, to, keyId: keyId || undefined }),
      ...chosen.map((k) => api.usage({ bucket, from, to, keyId: k.id })),
    ]).then(
      ([total, ...perKey]: Usage[]) => {
        if (cancelled) return;
        const totals = costByStart(starts, total.data);
        const series: Series[] = chosen.map((k, i) => ({ label: k.name, color: COLORS[i], values: costByStart(starts, perKey[i].data) }));
        const rest = totals.map((t, i) => t - sum(series.map((s) => s.values[i])));
        if (rest.some((v) => v > 0)) series.push({ label: 'other (revoked) keys', color: '#9ca3af', values: rest });
        setChart({
          starts,
          total: totals,
          series,
          requests: sum(total.data.map((b) => b.requests)),
          tokens: sum(total.data.map((b) => b.prompt_tokens + b.completion_tokens)),
        });
        setError(null);
      },
      (e) => !cancelled && setError((e as Error).message),
    );
    return () => {
      cancelled = true;
    };
  }, [bucket, keyId, keyList]);

  return (
    <section aria-labelledby="usage-title" class="flex flex-col gap-4">
      <div class="flex flex-wrap items-end gap-3">
        <h1 id="usage-title" class="mr-auto text-2xl font-bold">
          Usage
        </h1>
        <div class="flex flex-col gap-1">
          <label for="usage-key" class="text-sm font-medium">
            Key
          </label>
          <select id="usage-key" class="select select-bordered select-sm" value={keyId} onChange={(e) => setKeyId((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">All keys</option>
            {keyList.map((k) => (
              <option value={k.id}>{k.name}</option>
            ))}
          </select>
        </div>
        <div role="group" aria-label="Time range" class="join">
          <button type="button" class={`btn btn-sm join-item ${bucket === 'day' ? 'btn-active btn-primary' : ''}`} aria-pressed={bucket === 'day'} onClick={() => setBucket('day')}>
            30 days, per day
          </button>
          <button type="button" class={`btn btn-sm join-item ${bucket === 'hour' ? 'btn-active btn-primary' : ''}`} aria-pressed={bucket === 'hour'} onClick={() => setBucket('hour')}>
            24 hours, per hour
          </button>
        </div>
        <button type="button" class="btn btn-sm" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {error && (
        <div role="alert" class="alert alert-error text-sm">
          {error}
        </div>
      )}
      {chart && (
        <>
          <div class="stats stats-vertical bg-base-100 shadow sm:stats-horizontal">
            <div class="stat">
              <div class="stat-title">Spent</div>
              <div class="stat-value text-2xl" data-testid="usage-total">
                {formatMicros(sum(chart.total))}
              </div>
            </div>
            <div class="stat">
              <div class="stat-title">Requests</div>
              <div class="stat-value text-2xl">{chart.requests}</div>
            </div>
            <div class="stat">
              <div class="stat-title">Tokens</div>
              <div class="stat-value text-2xl">{chart.tokens.toLocaleString()}</div>
            </div>
          </div>
          <div class="card bg-base-100 shadow">
            <div class="card-body p-4">
              <SpendChart data={chart} bucket={bucket} />
            </div>
          </div>
        </>
      )}
      <h2 class="text-xl font-bold">Requests</h2>
      <RequestLog keyId={keyId || undefined} keys={keyList} reload={reload} />
    </section>
  );
}

function SpendChart({ data, bucket }: { data: ChartData; bucket: Bucket }) {
  const width = 1000;
  const height = 220;
  const pad = { left: 64, right: 8, top: 12, bottom: 28 };
  const max = Math.max(1, ...data.total);
  const slot = (width - pad.left - pad.right) / data.starts.length;
  const y = (v: number) => ((height - pad.top - pad.bottom) * v) / max;
  const label = (t: number) =>
    bucket === 'hour' ? new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  const every = bucket === 'hour' ? 4 : 5;
  return (
    <figure class="flex flex-col">
      <svg viewBox={`0 0 ${width} ${height}`} class="block h-auto w-full" role="img" aria-labelledby="chart-caption" data-testid="spend-chart">
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} stroke="currentColor" stroke-opacity="0.3" />
        <text x={pad.left - 6} y={pad.top + 8} text-anchor="end" font-size="11" fill="currentColor">
          {formatMicros(max === 1 && data.total.every((v) => v === 0) ? 0 : max)}
        </text>
        <text x={pad.left - 6} y={height - pad.bottom} text-anchor="end" font-size="11" fill="currentColor">
          $0
        </text>
        {data.starts.map((start, i) => {
          let base = height - pad.bottom;
          const x = pad.left + i * slot + slot * 0.15;
          return (
            <g>
              <title>
                {label(start)}: {formatMicros(data.total[i])}
              </title>
              {data.series.map((s) => {
                const h = y(Math.max(0, s.values[i]));
                base -= h;
                return h > 0 ? <rect x={x} y={base} width={slot * 0.7} height={h} fill={s.color} /> : null;
              })}
              {i % every === 0 && (
                <text x={x + slot * 0.35} y={height - 8} text-anchor="middle" font-size="10" fill="currentColor">
                  {label(start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption id="chart-caption" class="mt-2 flex flex-wrap gap-3 text-xs">
        <span class="font-medium">Spend per {bucket}, by key:</span>
        {data.series.length === 0 && <span>no keys</span>}
        {data.series.map((s) => (
          <span class="flex items-center gap-1">
            <span class="inline-block h-3 w-3 rounded-sm" style={{ background: s.color }} aria-hidden="true" />
            {s.label} ({formatMicros(sum(s.values))})
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
