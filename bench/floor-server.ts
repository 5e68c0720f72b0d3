/**
 * The floor of the stream bench: the least a raw `node:http` server must do to serve the same
 * workload, with none of the app's layers. It verifies the Bearer token (jose, HS256, as the app
 * does), answers `GET /api/ws?ownerId=` with the same headers, a `retry:` line and a `connected`
 * frame, and keeps the response in a per-owner set. It receives events the same way the app's
 * NOTIFY bridge does: LISTEN on `hangarshare_events` (payload `ownerId:seq`), then one read of the
 * new rows from `realtime_events` per notification, one encoding per event, the same bytes written
 * to every stream of the owner. No replay, no metrics, no caps, no per-connection database query.
 *
 * With `FLOOR_BATCH_READS=1` (transport `floorb`) it prototypes a cheaper fan-in: the
 * notifications that arrive together are read from the log in ONE query (`unnest` of owner,
 * after, upTo) instead of one query per owner — what a broadcast to many owners costs then.
 *
 * Env: PORT, DATABASE_URL, JWT_SECRET, FLOOR_BATCH_READS, FLOOR_HEARTBEAT_MS (30 000: `: ping` to every stream, one pass). `GET /health` answers 200 once LISTEN is up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import postgres from 'postgres';

const EVENTS_CHANNEL = 'hangarshare_events';
const HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' };
const PING = Buffer.from(': ping\n\n');

const port = Number(process.env.PORT ?? 3403);
const batchReads = process.env.FLOOR_BATCH_READS === '1';
const key = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const sql = postgres(process.env.DATABASE_URL ?? '', { max: 10, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
const owners = new Map<number, Set<ServerResponse>>();
const cursors = new Map<number, number>();
let listening = false;

interface Row {
  owner_id?: number;
  seq: string;
  type: string;
  payload: unknown;
  created_at: Date;
}

/** The same frame bytes the app writes for a domain event. */
function frame(ownerId: number, r: Row): Buffer {
  const envelope = { type: r.type, timestamp: r.created_at.getTime(), data: r.payload, ownerId: String(ownerId) };
  return Buffer.from(`id: ${r.seq}\nevent: ${r.type}\ndata: ${JSON.stringify(envelope)}\n\n`);
}

/** Writes rows of one owner to its streams, one encoding per event. */
function deliver(ownerId: number, rows: Row[]): void {
  const set = owners.get(ownerId);
  if (!set) return;
  for (const r of rows) {
    const bytes = frame(ownerId, r);
    for (const res of set) res.write(bytes);
  }
}

/** The range of events an owner's notification asks for, or undefined when there is nothing new. */
function claim(payload: string): { ownerId: number; from: number; seq: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(payload);
  if (!m) return undefined;
  const ownerId = Number(m[1]);
  const seq = Number(m[2]);
  if (!owners.has(ownerId)) return undefined;
  const from = cursors.get(ownerId) ?? seq - 1;
  if (seq <= from) return undefined;
  cursors.set(ownerId, seq);
  return { ownerId, from, seq };
}

/** One notification: read what is new for the owner and write it to its streams. */
async function onNotify(payload: string): Promise<void> {
  const c = claim(payload);
  if (!c) return;
  if (batchReads) return queueRead(c.ownerId, c.from, c.seq);
  deliver(
    c.ownerId,
    await sql<Row[]>`select seq, type, payload, created_at from realtime_events
    where owner_id = ${c.ownerId} and seq > ${c.from} and seq <= ${c.seq} order by seq`,
  );
}

const pendingReads = new Map<number, { from: number; to: number }>();
let readScheduled = false;

function queueRead(ownerId: number, from: number, to: number): void {
  const p = pendingReads.get(ownerId);
  if (p) p.to = Math.max(p.to, to);
  else pendingReads.set(ownerId, { from, to });
  if (!readScheduled) {
    readScheduled = true;
    setImmediate(() => void readBatch().catch((err) => console.error('[floor]', err)));
  }
}

/** Every owner notified since the last batch, read in one query. */
async function readBatch(): Promise<void> {
  readScheduled = false;
  const batch = [...pendingReads];
  pendingReads.clear();
  const ids = batch.map(([o]) => o);
  const froms = batch.map(([, r]) => r.from);
  const tos = batch.map(([, r]) => r.to);
  const rows = await sql<Row[]>`select e.owner_id, e.seq, e.type, e.payload, e.created_at
    from unnest(${sql.array(ids)}::int[], ${sql.array(froms)}::bigint[], ${sql.array(tos)}::bigint[]) as w(owner_id, after, upto)
    join realtime_events e on e.owner_id = w.owner_id and e.seq > w.after and e.seq <= w.upto
    order by e.owner_id, e.seq`;
  const byOwner = new Map<number, Row[]>();
  for (const r of rows) {
    const list = byOwner.get(r.owner_id!) ?? [];
    list.push(r);
    byOwner.set(r.owner_id!, list);
  }
  for (const [ownerId, list] of byOwner) deliver(ownerId, list);
}

async function authorized(req: IncomingMessage): Promise<boolean> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  try {
    await jwtVerify(m[1], key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
    return true;
  } catch {
    return false;
  }
}

/** Holds one stream. */
async function stream(req: IncomingMessage, res: ServerResponse, ownerId: number): Promise<void> {
  if (!(await authorized(req))) {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_token"}');
    return;
  }
  if (res.destroyed) return;
  res.writeHead(200, HEADERS);
  res.socket?.setNoDelay(true);
  const head = cursors.get(ownerId) ?? 0;
  res.write(`retry: 3000\n\nid: ${head}\nevent: connected\ndata: {"type":"connected","data":{},"ownerId":"${ownerId}"}\n\n`);
  let set = owners.get(ownerId);
  if (!set) owners.set(ownerId, (set = new Set()));
  set.add(res);
  res.on('close', () => {
    set.delete(res);
    if (set.size === 0 && owners.get(ownerId) === set) {
      owners.delete(ownerId);
      cursors.delete(ownerId);
    }
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  if (url.pathname === '/health') {
    res.writeHead(listening ? 200 : 503).end(listening ? 'ok' : 'starting');
    return;
  }
  const ownerId = Number(url.searchParams.get('ownerId'));
  if (req.method !== 'GET' || url.pathname !== '/api/ws' || !Number.isSafeInteger(ownerId) || ownerId <= 0) {
    res.writeHead(404).end();
    return;
  }
  void stream(req, res, ownerId);
});

setInterval(
  () => {
    for (const set of owners.values()) for (const res of set) res.write(PING);
  },
  Number(process.env.FLOOR_HEARTBEAT_MS ?? 30_000),
).unref();

await sql.listen(EVENTS_CHANNEL, (p) => void onNotify(p).catch((err) => console.error('[floor]', err)));
listening = true;
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`[floor] http://127.0.0.1:${port}`));
const stop = () => {
  server.close();
  server.closeAllConnections();
  void sql.end({ timeout: 2 }).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
