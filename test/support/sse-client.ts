/**
 * A raw SSE reader for tests: drives the real `GET /api/ws` route handler (or any `Response`),
 * parses frames with eventsource-parser and lets a test wait for the frames it expects.
 */
import { createParser } from 'eventsource-parser';
import { GET, POST } from '../../app/api/ws/route';

export interface ReceivedFrame {
  event: string;
  id?: string;
  /** The parsed envelope `{ type, timestamp, data, ownerId }`. */
  envelope: { type: string; timestamp: number; data: any; ownerId: string };
  /** When the frame was parsed, ms since the epoch (this process's clock). */
  receivedAt: number;
}

export class SseClient {
  readonly frames: ReceivedFrame[] = [];
  retry?: number;
  comments = 0;
  ended = false;
  private waiters: (() => void)[] = [];
  private reader?: ReadableStreamDefaultReader<Uint8Array>;
  /** Set while the client is paused: the pump awaits it before its next read. */
  private paused?: { promise: Promise<void>; resolve: () => void };

  constructor(
    readonly response: Response,
    private readonly abort: AbortController,
    opts: { read?: boolean } = {},
    /** Held so undici's Request→signal link (a WeakRef) stays alive while the stream is open. */
    readonly request?: Request,
  ) {
    if (opts.read !== false) void this.pump();
  }

  get status(): number {
    return this.response.status;
  }

  /** Starts reading (for a client opened with `read: false`). */
  startReading(): void {
    void this.pump();
  }

  /**
   * Stops reading until `resume()`: what the server sends then waits in the HTTP client's and the
   * kernel's buffers, and once those are full, in the server's queue (a stalled consumer).
   */
  pause(): void {
    if (this.paused) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.paused = { promise, resolve };
  }

  resume(): void {
    const p = this.paused;
    this.paused = undefined;
    p?.resolve();
  }

  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  private async pump(): Promise<void> {
    if (!this.response.body || this.reader || !this.response.headers.get('content-type')?.startsWith('text/event-stream')) return;
    const parser = createParser({
      onEvent: (e) => {
        this.frames.push({ event: e.event ?? 'message', id: e.id, envelope: JSON.parse(e.data), receivedAt: Date.now() });
        this.wake();
      },
      onRetry: (ms) => (this.retry = ms),
      onComment: () => {
        this.comments++;
        this.wake();
      },
    });
    const decoder = new TextDecoder();
    this.reader = this.response.body.getReader();
    try {
      for (;;) {
        if (this.paused) await this.paused.promise;
        const { done, value } = await this.reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `cond()` holds (checked after every frame), or rejects after `timeoutMs`. */
  async until(cond: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${this.frames.map((f) => f.event).join(',')}`);
      await new Promise<void>((resolve) => {
        // Woken by the next frame, or after 25 ms at the latest; either way the timer goes.
        const timer = setTimeout(wake, 25);
        function wake() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(wake);
      });
    }
  }

  /** Waits for the first frame of `event` (after index `from`) and returns it. */
  async next(event: string, from = 0, timeoutMs = 5_000): Promise<ReceivedFrame> {
    let found: ReceivedFrame | undefined;
    await this.until(() => !!(found = this.frames.slice(from).find((f) => f.event === event)), timeoutMs, event);
    return found!;
  }

  of(event: string): ReceivedFrame[] {
    return this.frames.filter((f) => f.event === event);
  }

  /** Sequence numbers of the domain events received, in order. */
  seqs(): number[] {
    return this.frames.filter((f) => f.id !== undefined && f.event !== 'connected' && f.event !== 'reset').map((f) => Number(f.id));
  }

  get connectionId(): string {
    return this.frames.find((f) => f.event === 'connected')!.envelope.data.connectionId;
  }

  close(): void {
    this.abort.abort();
    this.resume();
  }
}

export interface OpenOptions {
  token?: string;
  ownerId?: number | string;
  lastEventId?: number | string;
  queryLastEventId?: number | string;
  cookie?: string;
  read?: boolean;
  headers?: Record<string, string>;
}

/** The URL and headers of a stream request as `opts` describe it. */
function streamRequest(base: string, opts: OpenOptions): { url: URL; headers: Record<string, string> } {
  const url = new URL('/api/ws', base);
  if (opts.ownerId !== undefined) url.searchParams.set('ownerId', String(opts.ownerId));
  if (opts.queryLastEventId !== undefined) url.searchParams.set('lastEventId', String(opts.queryLastEventId));
  const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId);
  return { url, headers };
}

/** Calls the real `GET /api/ws` handler. */
export async function openStream(opts: OpenOptions = {}): Promise<SseClient> {
  const { url, headers } = streamRequest('http://localhost', opts);
  const abort = new AbortController();
  const request = new Request(url, { headers, signal: abort.signal });
  const res = await GET(request);
  return new SseClient(res, abort, { read: opts.read }, request);
}

/** Calls the real `POST /api/ws` handler. */
export async function postMessage(body: unknown, opts: { token?: string; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await POST(new Request('http://localhost/api/ws', { method: 'POST', headers, body: opts.raw ?? JSON.stringify(body) }));
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Opens a stream on a running server over real HTTP (fetch), with the same reader. */
export async function connectStream(baseUrl: string, opts: OpenOptions = {}): Promise<SseClient> {
  const { url, headers } = streamRequest(baseUrl, opts);
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  return new SseClient(res, abort, { read: opts.read });
}

/**
 * Streams a test file opens, closed after each test; `closeAll` then waits until the hub's
 * registry is empty again, so every test starts from zero.
 */
export function streamTracker() {
  const open: SseClient[] = [];
  return {
    async track(p: Promise<SseClient>): Promise<SseClient> {
      const c = await p;
      open.push(c);
      return c;
    },
    async closeAll(connectionCount: () => number): Promise<void> {
      for (const c of open.splice(0)) c.close();
      const deadline = Date.now() + 5_000;
      while (connectionCount() !== 0) {
        if (Date.now() > deadline) throw new Error(`${connectionCount()} streams still registered`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
