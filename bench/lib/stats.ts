/** Small numeric helpers for the stream bench: percentiles and formatting. */

/** Latency summary of a sample set, ms. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (ms); zeros when empty. */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const at = (p: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  return { count: n, p50: at(50), p95: at(95), p99: at(99), max: n === 0 ? 0 : sorted[n - 1] };
}

/** Median of a small list. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Wall-clock time in fractional ms, comparable across processes on this machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Formats a number with `digits` decimals (and thousands separators for big ones). */
export function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
