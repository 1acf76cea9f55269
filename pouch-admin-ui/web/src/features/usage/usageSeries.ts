import type { Bucket, UsageBucket } from '../../api/client';

export const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** How many buckets a chart shows: the last 24 hours or the last 30 days. */
export const BUCKET_COUNT: Record<Bucket, number> = { hour: 24, day: 30 };

/** The window ending with the bucket that holds `now` (buckets are aligned to UTC epoch multiples). */
export function windowOf(bucket: Bucket, now: number): { from: string; to: string; starts: number[] } {
  const width = BUCKET_MS[bucket];
  const to = now - (now % width) + width;
  const from = to - BUCKET_COUNT[bucket] * width;
  const starts: number[] = [];
  for (let t = from; t < to; t += width) starts.push(t);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), starts };
}

/** Cost per bucket start, 0 where the API returned no row (it returns only buckets with requests). */
export function costByStart(starts: number[], data: UsageBucket[]): number[] {
  const byStart = new Map(data.map((b) => [Date.parse(b.start), b.cost_micros]));
  return starts.map((s) => byStart.get(s) ?? 0);
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
