/**
 * Test double for `/api/ws`: a `fetch` that records every request and answers `GET` with a
 * `ReadableStream` the test writes SSE text into (or with a scripted refusal), and `POST` with
 * JSON. It honours the request's abort signal like a real fetch. Used by the Vitest suites only.
 */

/** One request the fake saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A scripted answer to the next `GET`. */
export type Reply = { status: number; json?: unknown; headers?: Record<string, string>; contentType?: string } | 'stream' | 'hang';

/** The server side of one open stream. */
export class FakeStream {
  private readonly encoder = new TextEncoder();
  closed = false;
  constructor(private readonly controller: ReadableStreamDefaultController<Uint8Array>) {}

  /** Writes raw SSE text (may be split anywhere, even inside a UTF-8 character). */
  write(text: string | Uint8Array): void {
    if (!this.closed) this.controller.enqueue(typeof text === 'string' ? this.encoder.encode(text) : text);
  }

  /** Writes one frame in the contract's format. */
  frame(event: string, data: unknown, id?: number | string, ownerId = '1'): void {
    const envelope = JSON.stringify({ type: event, timestamp: Date.now(), data, ownerId });
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${envelope}\n\n`);
  }

  /** `retry:` + `connected`, as the server starts every stream. */
  hello(data: Partial<{ connectionId: string; heartbeatMs: number; lastEventId: string | null; tokenExpiresAt: unknown }> = {}, retry = 20): void {
    this.write(`retry: ${retry}\n\n`);
    this.frame('connected', { connectionId: 'c1', heartbeatMs: 30_000, lastEventId: null, tokenExpiresAt: null, ...data });
  }

  /** The server ends the stream. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.close();
  }

  fail(err: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.error(err);
  }
}

/** A scripted `/api/ws`. */
export class FakeServer {
  readonly requests: SeenRequest[] = [];
  readonly streams: FakeStream[] = [];
  private readonly script: Reply[] = [];
  /** Answers to `POST`, by message type; default `{ ok: true }`. */
  postReply: (body: Record<string, unknown>) => { status: number; json: unknown } = () => ({ status: 200, json: { ok: true } });

  /** Queues answers for the next `GET`s; once empty, every `GET` gets a stream. */
  reply(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  get gets(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'GET');
  }

  get posts(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  /** The newest stream. */
  get last(): FakeStream {
    return this.streams[this.streams.length - 1];
  }

  readonly fetch: typeof fetch = async (input, init = {}) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const method = init.method ?? 'GET';
    this.requests.push({ method, url: String(input), headers, body: typeof init.body === 'string' ? init.body : undefined });
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    if (method === 'POST') {
      const r = this.postReply(JSON.parse(String(init.body)) as Record<string, unknown>);
      return Response.json(r.json, { status: r.status });
    }
    const next = this.script.shift() ?? 'stream';
    if (next === 'hang')
      return new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    if (next !== 'stream') return this.refusal(next);
    return this.openStream(signal);
  };

  private refusal(r: Exclude<Reply, 'stream' | 'hang'>): Response {
    const headers = { 'content-type': r.contentType ?? 'application/json', ...r.headers };
    return new Response(r.json === undefined ? null : JSON.stringify(r.json), { status: r.status, headers });
  }

  private openStream(signal: AbortSignal | undefined): Response {
    let stream!: FakeStream;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (stream = new FakeStream(c)) });
    this.streams.push(stream);
    signal?.addEventListener('abort', () => stream.fail(new DOMException('The operation was aborted.', 'AbortError')));
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
  }
}
