/**
 * The floor of the write bench: the least a raw `node:http` + postgres.js server must do to serve
 * the same writes and streams as the app, with none of its layers (no Next, no Drizzle, no hub,
 * no metrics). Same paths and bodies as the app:
 *
 * - `POST /api/hangarshare/booking/confirm`, `PATCH /api/hangarshare/owner/bookings/<id>`:
 *   jose HS256 verification of the Bearer token, then one transaction (bench/lib/write-floor-sql.ts);
 * - `POST /api/hangarshare/webhook/stripe`: the `Stripe-Signature` HMAC-SHA256 checked with
 *   node:crypto (what the SDK computes), then one transaction;
 * - `GET /api/ws?ownerId=`: an SSE stream (token verified, `retry:` and `connected`, then held).
 *
 * After commit the events are encoded once and written to every stream of the owner, in
 * process, as the app's bus delivers its own events (the NOTIFY is still sent, for other
 * instances; a single floor does not LISTEN). Env: PORT, DATABASE_URL, JWT_SECRET,
 * STRIPE_WEBHOOK_SECRET. `GET /health` answers 200.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import postgres from 'postgres';
import { confirmTx, paidTx, patchTx, Refused, type LoggedRow, type Written } from './lib/write-floor-sql';

const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' };
const PING = Buffer.from(': ping\n\n');
const MAX_BODY = 256 * 1024;

const key = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? '';
const sql = postgres(process.env.DATABASE_URL ?? '', { max: 10, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
const streams = new Map<number, Set<ServerResponse>>();

/** Writes committed events to the owner's streams, one encoding per event (the app's frame bytes). */
function deliver(ownerId: number, rows: LoggedRow[]): void {
  const set = streams.get(ownerId);
  if (!set) return;
  for (const r of rows) {
    const envelope = { type: r.type, timestamp: r.created_at.getTime(), data: r.payload, ownerId: String(ownerId) };
    const bytes = Buffer.from(`id: ${r.seq}\nevent: ${r.type}\ndata: ${JSON.stringify(envelope)}\n\n`);
    for (const res of set) res.write(bytes);
  }
}

/** The Bearer token's user, or a 401. */
async function claims(req: IncomingMessage): Promise<{ id: number; name: string }> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new Refused(401, 'missing_token');
  try {
    const { payload } = await jwtVerify(m[1], key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
    return { id: Number(payload.id), name: String(payload.name ?? '') };
  } catch {
    throw new Refused(401, 'invalid_token');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
      if (text.length > MAX_BODY) reject(new Refused(413, 'payload_too_large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** Stripe's scheme: `t=<s>,v1=<hex>`, HMAC-SHA256 of `<t>.<body>`, at most 300 s old. */
function verifySignature(body: string, header: string | undefined): void {
  const parts = (header ?? '').split(',').map((p) => p.split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const expected = createHmac('sha256', webhookSecret).update(`${t}.${body}`).digest();
  const ok = parts.some(([k, v]) => k === 'v1' && v?.length === 64 && timingSafeEqual(Buffer.from(v, 'hex'), expected));
  if (!ok || !(Math.abs(Date.now() / 1000 - t) <= 300)) throw new Refused(400, 'invalid_signature');
}

async function webhook(req: IncomingMessage): Promise<Written | { status: number; body: unknown }> {
  const raw = await readBody(req);
  verifySignature(raw, req.headers['stripe-signature'] as string | undefined);
  const event = JSON.parse(raw) as { id: string; type: string; data: { object: { id: string; amount_received?: number } } };
  if (event.type !== 'payment_intent.succeeded') return { status: 200, body: { received: true, ignored: 'unhandled_event_type' } };
  return (await paidTx(sql, event.id, event.data.object)) ?? { status: 200, body: { received: true, ignored: 'unknown_payment_intent' } };
}

/** Routes one write; resolves with what to answer (and, for a commit, what to deliver). */
async function write(req: IncomingMessage, path: string): Promise<Written | { status: number; body: unknown }> {
  if (req.method === 'POST' && path === '/api/hangarshare/webhook/stripe') return webhook(req);
  const patch = /^\/api\/hangarshare\/owner\/bookings\/(\d+)$/.exec(path);
  if (req.method === 'PATCH' && patch) {
    const user = await claims(req);
    const body = JSON.parse(await readBody(req)) as { booking_status?: string };
    if (body.booking_status !== 'confirmed') throw new Refused(400, 'unsupported_status');
    return patchTx(sql, user.id, Number(patch[1]));
  }
  if (req.method === 'POST' && path === '/api/hangarshare/booking/confirm') {
    const user = await claims(req);
    return confirmTx(sql, user, JSON.parse(await readBody(req)));
  }
  throw new Refused(404, 'not_found');
}

async function answerWrite(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  try {
    const result = await write(req, path);
    if ('events' in result) deliver(result.ownerId, result.events);
    res.writeHead(result.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(result.body));
  } catch (err) {
    const status = err instanceof Refused ? err.status : err instanceof SyntaxError ? 400 : 500;
    if (status === 500) console.error('[write-floor]', err);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: err instanceof Refused ? err.code : 'error' }));
  }
}

/** Holds one stream of `ownerId`. */
async function stream(req: IncomingMessage, res: ServerResponse, ownerId: number): Promise<void> {
  try {
    await claims(req);
  } catch {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_token"}');
    return;
  }
  if (res.destroyed) return;
  res.writeHead(200, SSE_HEADERS);
  res.socket?.setNoDelay(true);
  res.write(`retry: 3000\n\nevent: connected\ndata: {"type":"connected","data":{},"ownerId":"${ownerId}"}\n\n`);
  const set = streams.get(ownerId) ?? new Set<ServerResponse>();
  streams.set(ownerId, set);
  set.add(res);
  res.on('close', () => set.delete(res));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  if (url.pathname === '/health') return void res.writeHead(200).end('ok');
  if (req.method === 'GET' && url.pathname === '/api/ws') {
    const ownerId = Number(url.searchParams.get('ownerId'));
    if (Number.isSafeInteger(ownerId) && ownerId > 0) return void stream(req, res, ownerId);
    return void res.writeHead(400).end();
  }
  void answerWrite(req, res, url.pathname);
});

setInterval(() => {
  for (const set of streams.values()) for (const res of set) res.write(PING);
}, 30_000).unref();

server.keepAliveTimeout = 65_000;
const port = Number(process.env.PORT ?? 3404);
server.listen(port, '127.0.0.1', () => console.log(`[write-floor] http://127.0.0.1:${port}`));
const stop = () => {
  server.close();
  server.closeAllConnections();
  void sql.end({ timeout: 2 }).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
