/**
 * Reconnect delays: capped exponential backoff with FULL jitter (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): the delay is uniform in [0, min(cap, base × 2^attempt)].
 * Full jitter spreads a crowd of clients that lost the same server over the whole window, so a
 * restarted server is not hit by all of them in the same instant.
 */

/** Default cap of the reconnect delay, ms. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
/** Default base before the server announced `retry:`, ms (the portal's 3 s). */
export const DEFAULT_RETRY_MS = 3_000;

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry after a loss).
 * `base` is the server's `retry:` value; `random` returns [0, 1). A `floorMs` (a server's
 * `Retry-After`) is honoured as a minimum and may exceed the cap.
 */
export function fullJitterDelay(attempt: number, base: number, cap = DEFAULT_MAX_BACKOFF_MS, random: () => number = Math.random, floorMs = 0): number {
  const safeBase = Math.max(0, Number.isFinite(base) ? base : DEFAULT_RETRY_MS);
  // 2^attempt overflows to Infinity past ~1000 attempts; min() with the cap keeps it finite.
  const ceiling = Math.min(cap, safeBase * 2 ** Math.max(0, attempt));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(floorMs, jittered);
}

/** Counts consecutive failures; `reset()` once a stream is live again. */
export class Backoff {
  private attempt = 0;

  constructor(
    private base: number = DEFAULT_RETRY_MS,
    private readonly cap: number = DEFAULT_MAX_BACKOFF_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The server's `retry:` replaces the base. */
  setBase(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.base = ms;
  }

  /** The next delay, ms; each call counts one more failure. */
  next(floorMs = 0): number {
    return fullJitterDelay(this.attempt++, this.base, this.cap, this.random, floorMs);
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
