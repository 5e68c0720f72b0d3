/**
 * One `GET /api/ws` request, read to its end: fetch with the Bearer token (never in the URL),
 * `Last-Event-ID` when resuming, the body decoded with a streaming TextDecoder and parsed by
 * `eventsource-parser`. It knows the HTTP and SSE layers only; what frames mean is the caller's.
 */
import { createParser } from 'eventsource-parser';
import { errorFromResponse, RealtimeError, toRealtimeError } from './errors';
import type { Frame, WebSocketMessage } from './types';

/** What one stream request needs. */
export interface StreamRequest {
  /** Endpoint, absolute or same-origin relative (`/api/ws`). */
  url: string;
  ownerId: string;
  token: string;
  lastEventId?: string | null;
  signal: AbortSignal;
  fetch: typeof fetch;
}

/** What the stream reports while it is read. */
export interface StreamCallbacks {
  /** A frame whose `data:` is a valid envelope (others are skipped). */
  onFrame(frame: Frame): void;
  /** The server's `retry:` field, ms. */
  onRetry(ms: number): void;
  /** Anything complete arrived (a frame, a comment such as `: ping`, a retry): the stream is alive. */
  onActivity(): void;
}

/** The request URL: `?ownerId=` added; relative URLs resolve against the page's origin. */
export function streamUrl(url: string, ownerId: string): string {
  const base = typeof location !== 'undefined' ? location.origin : 'http://localhost';
  const u = new URL(url, base);
  u.searchParams.set('ownerId', ownerId);
  return u.toString();
}

/** Parses a frame's `data:` as the contract's envelope; null when it is not one. */
export function parseFrame(event: string | undefined, id: string | undefined, data: string): Frame | null {
  let message: WebSocketMessage;
  try {
    message = JSON.parse(data) as WebSocketMessage;
  } catch {
    return null;
  }
  if (!message || typeof message !== 'object' || typeof message.type !== 'string') return null;
  return { event: (event ?? message.type) as Frame['event'], id: id || undefined, message };
}

/**
 * Opens the stream and reads it until it ends. Resolves when the server closes it; rejects with a
 * `RealtimeError` on a refusal (status and contract code kept), a non-SSE answer, a network error
 * or an abort (`code: 'aborted'`).
 */
export async function readStream(req: StreamRequest, cb: StreamCallbacks): Promise<void> {
  const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${req.token}` };
  if (req.lastEventId) headers['Last-Event-ID'] = req.lastEventId;
  let res: Response;
  try {
    res = await req.fetch(streamUrl(req.url, req.ownerId), { headers, cache: 'no-store', credentials: 'same-origin', signal: req.signal });
  } catch (err) {
    throw toRealtimeError(err);
  }
  if (!res.ok) throw await errorFromResponse(res);
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new RealtimeError('bad_response', `Expected an event stream, got "${type || 'no content type'}".`, res.status);
  }
  await pump(res.body, cb);
}

async function pump(body: ReadableStream<Uint8Array>, cb: StreamCallbacks): Promise<void> {
  const parser = createParser({
    onEvent: (msg) => {
      cb.onActivity();
      const frame = parseFrame(msg.event, msg.id, msg.data);
      if (frame) cb.onFrame(frame);
    },
    onRetry: (ms) => {
      cb.onActivity();
      cb.onRetry(ms);
    },
    onComment: () => cb.onActivity(),
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    parser.feed(decoder.decode());
  } catch (err) {
    throw toRealtimeError(err);
  } finally {
    reader.releaseLock();
  }
}
