/**
 * One hostile request and the oracle every answer must satisfy: a 4xx (the contract's status and
 * code where it names them) with a JSON `{ error, message }` body — `{ error, code }` on the
 * portal-compatible HangarShare routes —, and never a 5xx. A few attacks
 * are legitimately acknowledged (a replayed Stripe event gets 200 `duplicate`); they say so.
 */
import { expect } from 'vitest';

/** A request an attacker sends, named for the attack. */
export interface Attack {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A string or bytes; a function makes a fresh stream (sent chunked, without Content-Length). */
  body?: string | Uint8Array | (() => ReadableStream<Uint8Array>);
  /** The status the contract promises (any of); default: any 4xx. */
  status?: number | readonly number[];
  /** The `error` code the contract promises (any of). */
  error?: string | readonly string[];
  /** Refused by Node's HTTP parser before the app (431): no JSON body to check. */
  bare?: boolean;
  /** More checks on the parsed body (for the acknowledged cases). */
  check?: (body: any, res: Outcome) => void;
}

export interface Outcome {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** Every status seen, for the suite's summary and its "at least 500 requests" check. */
export const tally = { sent: 0, byStatus: new Map<number, number>() };

let client = 0;

/**
 * A distinct client address per request (`X-Forwarded-For`, which the rate limits key on), so the
 * per-IP budgets only bite where a case means them to; a case may set its own.
 */
export function nextClientIp(): string {
  const n = ++client;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Sends `a` to `base` and returns what came back (a stream that opened is cancelled at once). */
export async function send(base: string, a: Attack): Promise<Outcome> {
  const headers: Record<string, string> = { 'x-forwarded-for': nextClientIp(), ...a.headers };
  const body = typeof a.body === 'function' ? a.body() : a.body;
  const res = await fetch(new URL(a.path, base), {
    method: a.method ?? (a.body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    ...(typeof a.body === 'function' ? { duplex: 'half' } : {}),
    redirect: 'manual',
  } as RequestInit);
  tally.sent++;
  tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, text: '', body: undefined };
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : ([] as T[]).concat(v as T));

/** The oracle: no 5xx; the promised status (or any 4xx); a JSON `{ error, message }` refusal. */
export function expectRefused(a: Attack, o: Outcome): void {
  const where = `${a.name} → ${o.status} ${o.text.slice(0, 200)}`;
  expect(o.status, where).toBeLessThan(500);
  const statuses = list(a.status);
  if (statuses) expect(statuses, where).toContain(o.status);
  else expect(o.status, where).toBeGreaterThanOrEqual(400);
  if (o.status >= 400 && !a.bare) {
    expect(o.headers.get('content-type'), where).toMatch(/^application\/json/);
    expect(typeof o.body?.error, where).toBe('string');
    // The portal-compatible routes answer { error: <sentence>, code }; the rest { error: <code>, message }.
    const portal = typeof o.body.code === 'string';
    const sentence = portal ? o.body.error : o.body.message;
    expect(typeof sentence, where).toBe('string');
    expect(sentence.length, where).toBeGreaterThan(0);
    const codes = list(a.error);
    if (codes) expect(codes, where).toContain(portal ? o.body.code : o.body.error);
  }
  a.check?.(o.body, o);
}

/** Sends `a` and applies the oracle. */
export async function attack(base: string, a: Attack): Promise<Outcome> {
  const o = await send(base, a);
  expectRefused(a, o);
  return o;
}

/** JSON request headers with an optional Bearer token. */
export function json(token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** A body of `bytes` bytes streamed in 64 KiB chunks, with no Content-Length (chunked encoding). */
export function chunked(bytes: number): () => ReadableStream<Uint8Array> {
  return () => {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    return new ReadableStream({
      pull(c) {
        if (sent >= bytes) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
  };
}
