/**
 * Keeps a live stream's token fresh without reconnecting: shortly before the token expires it
 * asks `getToken()` for a new one and hands it to `adopt` (which posts `auth` with the
 * connection id, so the server moves the stream's deadline). When that is impossible the stream
 * still ends with `token_expired`, and the loop refreshes reactively through `fetchToken()`.
 */

/** Lead time before expiry: 20 % of the remaining lifetime, between 1 s and 60 s. */
export function refreshLeadMs(remainingMs: number): number {
  return Math.min(60_000, Math.max(1_000, remainingMs * 0.2));
}

/** `tokenExpiresAt` as the server sends it (ms or s since epoch, or an ISO date) → ms; NaN if unknown. */
export function expiryToMs(value: unknown): number {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string' && value !== '') return /^\d+$/.test(value) ? expiryToMs(Number(value)) : Date.parse(value);
  return NaN;
}

/** Schedules proactive refreshes; one pending timer at most. */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by `cancel()` so a refresh already in flight does not schedule another. */
  private generation = 0;

  constructor(
    private readonly getToken: (() => Promise<string>) | undefined,
    private readonly current: () => string,
    private readonly adopt: (token: string) => Promise<unknown>,
  ) {}

  /** A new token from `getToken`, or null when there is none, it failed, or it is the token in use. */
  async fetchToken(inUse: string): Promise<string | null> {
    if (!this.getToken) return null;
    try {
      const token = await this.getToken();
      return token && token !== inUse ? token : null;
    } catch {
      return null;
    }
  }

  /** Plans a refresh before `expiresAt` (from `connected` or an `auth` reply). */
  schedule(expiresAt: unknown): void {
    this.cancel();
    const at = expiryToMs(expiresAt);
    if (!this.getToken || !Number.isFinite(at)) return;
    const remaining = at - Date.now();
    const delay = Math.max(0, remaining - refreshLeadMs(remaining));
    // setTimeout overflows past 2^31-1 ms (~24.8 days); a 7-day token is well inside.
    this.timer = setTimeout(() => void this.refresh(), Math.min(delay, 2 ** 31 - 1));
  }

  /** Drops the pending refresh (the stream ended). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
  }

  private async refresh(): Promise<void> {
    this.timer = undefined;
    const generation = this.generation;
    const token = await this.fetchToken(this.current());
    if (!token || generation !== this.generation) return;
    try {
      const reply = (await this.adopt(token)) as { expiresAt?: unknown } | undefined;
      if (generation === this.generation) this.schedule(reply?.expiresAt);
    } catch {
      // The stream keeps its old deadline; `token_expired` then triggers the reactive refresh.
    }
  }
}
