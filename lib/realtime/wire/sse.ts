/**
 * The Server-Sent Events text format, and nothing else: pure functions from frames to bytes.
 * Each frame is encoded once and the same bytes are written to every stream that gets it.
 */
import type { Envelope, EventType } from './events';

const encoder = new TextEncoder();

/** Field values that would let one frame inject another (CR, LF, NUL) are refused. */
const UNSAFE = /[\r\n\0]/;

export interface Frame {
  event: EventType;
  data: unknown;
  ownerId: number;
  /** Sequence number of a domain event; becomes the `id:` field. */
  id?: number;
  /** Envelope timestamp, ms (default now). */
  timestamp?: number;
}

/** Encodes `event:`/`id:`/`data:` lines; `data` is the contract's JSON envelope on one line. */
export function encodeFrame(frame: Frame): Uint8Array {
  return encoder.encode(frameText(frame));
}

export function frameText(frame: Frame): string {
  if (UNSAFE.test(frame.event)) throw new Error('SSE event name may not contain CR, LF or NUL');
  const envelope: Envelope = {
    type: frame.event,
    timestamp: frame.timestamp ?? Date.now(),
    data: frame.data,
    ownerId: String(frame.ownerId),
  };
  // JSON.stringify escapes CR/LF inside strings, so the data stays on one line.
  const id = frame.id === undefined ? '' : `id: ${frame.id}\n`;
  return `${id}event: ${frame.event}\ndata: ${JSON.stringify(envelope)}\n\n`;
}

/** `retry: <ms>` — the reconnection delay the client should use; first bytes of every stream. */
export const encodeRetry = (ms: number) => encoder.encode(`retry: ${Math.max(0, Math.floor(ms))}\n\n`);

/** The heartbeat comment; the same bytes for every stream. */
export const PING = encoder.encode(': ping\n\n');

/** The response headers of every stream. */
export const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: proxies and Next's compression leave the stream alone.
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};
