/**
 * The connection lifetime of one stream holder (a tab that owns the fetch stream): open, read,
 * and when the stream ends decide what next — reconnect after a full-jitter backoff, reconnect
 * after the server's `reconnect.retryMs`, refresh the token on `token_expired` or on a first 401,
 * or stop for good on a refusal that retrying cannot fix. Resumes with `Last-Event-ID` from the
 * shared cursor. A heartbeat watchdog reconnects when nothing (not even `: ping`) arrived for
 * 2 × heartbeatMs. Never gives up on its own except on a refusal; `stop()` ends everything.
 */
import { Backoff, DEFAULT_MAX_BACKOFF_MS, DEFAULT_RETRY_MS } from './backoff';
import { postClientMessage } from './post-message';
import { trackFrame, type EventCursor } from './cursor';
import { RealtimeError, toRealtimeError } from './errors';
import { readStream } from './sse-request';
import { TokenRefresher } from './token-refresh';
import type { ConnectionStatus, Frame } from './types';

/** What a loop needs to run. */
export interface LoopConfig {
  url: string;
  ownerId: string;
  token: string;
  getToken?: () => Promise<string>;
  cursor: EventCursor;
  fetch: typeof fetch;
  random?: () => number;
  maxBackoffMs?: number;
  initialRetryMs?: number;
}

/** What a loop reports: every frame that passed the cursor, and every status change. */
export interface LoopEvents {
  frame(frame: Frame): void;
  status(status: ConnectionStatus, error?: RealtimeError): void;
}

type Hint = { kind: 'reconnect'; ms: number } | { kind: 'token_expired' } | { kind: 'stale' } | null;

/** Runs `GET /api/ws` until `stop()`; see the file comment for the reconnect rules. */
export class StreamLoop {
  status: ConnectionStatus = 'disconnected';
  /** The server's id for the live stream (from `connected`). */
  connectionId: string | undefined;
  private readonly backoff: Backoff;
  private readonly refresher: TokenRefresher;
  private abort: AbortController | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private heartbeatMs = 0;
  private hint: Hint = null;
  private stopped = true;
  private started = false;
  private retriedUnauthorized = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly cfg: LoopConfig,
    private readonly events: LoopEvents,
  ) {
    this.backoff = new Backoff(cfg.initialRetryMs ?? DEFAULT_RETRY_MS, cfg.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, cfg.random);
    this.refresher = new TokenRefresher(
      cfg.getToken,
      () => this.cfg.token,
      (token) => this.adoptToken(token),
    );
  }

  /** The token the next request uses. */
  get token(): string {
    return this.cfg.token;
  }

  /** Starts the loop. A loop runs once: after `stop()`, make a new one. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.setStatus('connecting');
    void this.run();
  }

  /** Stops for good: aborts the request, clears every timer, reports `disconnected`. */
  stop(error?: RealtimeError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort?.abort();
    this.clearWatchdog();
    this.refresher.cancel();
    this.wake?.();
    this.setStatus('disconnected', error);
  }

  /** Uses `token` from the next request on (and for client messages). */
  setToken(token: string): void {
    this.cfg.token = token;
  }

  /** Wakes a loop waiting to reconnect (the browser came back online). */
  retryNow(): void {
    this.wake?.();
  }

  /** `POST /api/ws {type:'request_metrics'}`; the fresh snapshot also arrives on the stream. */
  requestMetrics(): Promise<unknown> {
    return postClientMessage(this.target(), { type: 'request_metrics', connectionId: this.connectionId });
  }

  private target() {
    return { url: this.cfg.url, ownerId: this.cfg.ownerId, token: this.cfg.token, fetch: this.cfg.fetch };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const error = await this.attempt();
      if (this.stopped) return;
      const delay = await this.nextDelay(error);
      if (this.stopped) return;
      if (delay === null) return this.stop(error ?? new RealtimeError('token_expired', 'The token expired and no new one is available.', 401));
      this.setStatus(this.status === 'connecting' ? 'connecting' : 'reconnecting');
      if (delay > 0) await this.sleep(delay);
    }
  }

  /** One request, read to its end; resolves with the error that ended it (null: a clean end). */
  private async attempt(): Promise<RealtimeError | null> {
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.hint = null;
    this.connectionId = undefined;
    this.armWatchdog(); // a server that accepts but never answers counts as silent too
    try {
      await readStream(
        { url: this.cfg.url, ownerId: this.cfg.ownerId, token: this.cfg.token, lastEventId: this.cfg.cursor.value, signal: ctrl.signal, fetch: this.cfg.fetch },
        { onFrame: (f) => this.onFrame(f), onRetry: (ms) => this.backoff.setBase(ms), onActivity: () => this.armWatchdog() },
      );
      return null;
    } catch (err) {
      return toRealtimeError(err);
    } finally {
      this.clearWatchdog();
      this.refresher.cancel();
      if (this.status === 'connected') this.setStatus('reconnecting');
    }
  }

  /** ms to wait before the next attempt, or null to stop. */
  private async nextDelay(error: RealtimeError | null): Promise<number | null> {
    const hint = this.hint;
    if (hint?.kind === 'reconnect') return Math.max(0, hint.ms);
    if (hint?.kind === 'token_expired') return (await this.refreshToken()) ? 0 : null;
    if (error?.unauthorized) {
      if (this.retriedUnauthorized || !(await this.refreshToken())) return null;
      this.retriedUnauthorized = true;
      return 0;
    }
    if (error && !error.retryable && hint?.kind !== 'stale' && error.status !== 200) return null;
    return this.backoff.next((error?.retryAfter ?? 0) * 1000);
  }

  private async refreshToken(): Promise<boolean> {
    const token = await this.refresher.fetchToken(this.cfg.token);
    if (token) this.cfg.token = token;
    return token !== null;
  }

  private onFrame(frame: Frame): void {
    const data = (frame.message.data ?? {}) as Record<string, unknown>;
    if (frame.event === 'connected') this.onConnected(data);
    // After a reset our state is stale; a failed request is covered by the snapshot that follows.
    else if (frame.event === 'reset') this.requestMetrics().catch(() => undefined);
    else if (frame.event === 'reconnect') this.hint = { kind: 'reconnect', ms: Number(data.retryMs) || 0 };
    else if (frame.event === 'token_expired') this.hint = { kind: 'token_expired' };
    if (trackFrame(this.cfg.cursor, frame)) this.events.frame(frame);
  }

  private onConnected(data: Record<string, unknown>): void {
    this.connectionId = typeof data.connectionId === 'string' ? data.connectionId : undefined;
    this.heartbeatMs = Number(data.heartbeatMs) || 0;
    // A client that has seen no event yet still resumes from here after a loss.
    if (this.cfg.cursor.value === null && data.lastEventId != null) this.cfg.cursor.advance(String(data.lastEventId));
    this.backoff.reset();
    this.retriedUnauthorized = false;
    this.armWatchdog();
    this.refresher.schedule(data.tokenExpiresAt);
    this.setStatus('connected');
  }

  /** Sends the refreshed token to the live stream so it outlives the old token's expiry. */
  private async adoptToken(token: string): Promise<unknown> {
    this.cfg.token = token;
    return postClientMessage(this.target(), { type: 'auth', ownerId: this.cfg.ownerId, token, connectionId: this.connectionId });
  }

  private armWatchdog(): void {
    this.clearWatchdog();
    if (this.heartbeatMs <= 0 || this.stopped) return;
    this.watchdog = setTimeout(() => {
      this.hint = { kind: 'stale' };
      this.abort?.abort();
    }, 2 * this.heartbeatMs);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private setStatus(status: ConnectionStatus, error?: RealtimeError): void {
    if (status === this.status && !error) return;
    this.status = status;
    this.events.status(status, error);
  }
}
