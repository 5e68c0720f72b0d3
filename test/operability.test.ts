/**
 * Operability against real server processes on PostgreSQL (issue #15): one Prometheus registry
 * per process whichever bundle counts (server.ts's Node transport and Next's route handlers, and
 * `next start` alone), logs that are JSON lines with request ids and never a token, password or
 * the metrics token, and a SIGTERM drain during which `/api/health` answers 503 while the
 * streams are still open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { getDb } from '../lib/runtime';
import { sample } from './support/exposition';
import { bookOverHttp, createListing, createOwner, createUser } from './support/fixtures';
import { connectStream } from './support/sse-client';
import { ensureBuild, startInstance, type Instance } from './support/servers';

const onPostgres = !!process.env.TEST_BASE_DATABASE_URL;
const PORT = 3700 + (process.pid % 40) * 2;
const METRICS_TOKEN = 'metrics-token-5f1e0c9d7a';
const PASSWORD = 'Hunter2-password-that-must-not-be-logged';
const FORGED = 'eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ.forged-signature-value-x';

let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let hangarId: number;
const started: Instance[] = [];

// WS_DRAIN_MS: the drained stream is sent away at a random moment within 10 min; the test closes it itself.
const env = { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', METRICS_TOKEN, NEXT_MANUAL_SIG_HANDLE: '1', WS_DRAIN_MS: '600000' };

async function scrape(base: string, token = METRICS_TOKEN): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/ws`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe.runIf(onPostgres)('operability (real servers)', () => {
  beforeAll(async () => {
    ensureBuild();
    db = await getDb();
    owner = await createOwner(db);
    renter = await createUser(db);
    hangarId = (await createListing(db, owner.ownerId, { totalSpaces: 100 })).id;
  }, 600_000);

  afterAll(async () => {
    await Promise.all(started.map((i) => i.kill()));
  });

  it('server.ts: one registry for both transports, JSON logs with request ids and no secrets, readiness off during the drain', async () => {
    const server = await startInstance(PORT, env);
    started.push(server);
    const stream = await connectStream(server.url, { token: owner.token });
    await stream.next('metrics_updated', 0, 15_000);
    expect((await bookOverHttp(server.url, renter, hangarId, 1)).status).toBe(200);
    await stream.next('booking_created', 0, 10_000);
    const auth = await post(
      server.url,
      { type: 'auth', token: owner.token, connectionId: stream.frames[0].envelope.data.connectionId },
      { 'x-request-id': 'op-test-auth-1' },
    );
    expect(auth.status).toBe(200);
    expect(auth.headers.get('x-request-id')).toBe('op-test-auth-1');
    expect((await post(server.url, { type: 'auth', token: FORGED })).status).toBe(401);
    expect((await connectStream(server.url, { token: FORGED })).status).toBe(401);
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@test.local', password: PASSWORD }),
    });
    expect(login.status).toBe(401);

    expect((await fetch(`${server.url}/api/metrics`)).status).toBe(401);
    const m = await scrape(server.url);
    expect(m.status).toBe(200);
    // Counted by server.ts's Node transport and by the Next route bundles, read in one scrape.
    expect(sample(m.text, 'hangarshare_streams_open', { transport: 'node' })).toBe(1);
    expect(sample(m.text, 'hangarshare_client_messages_total', { type: 'auth', outcome: 'ok' })).toBe(1);
    expect(sample(m.text, 'hangarshare_client_messages_total', { type: 'auth', outcome: 'invalid_token' })).toBe(1);
    expect(sample(m.text, 'hangarshare_stream_refusals_total', { code: 'invalid_token' })).toBe(1);
    expect(sample(m.text, 'hangarshare_events_published_total', { type: 'booking_created' })).toBeGreaterThanOrEqual(1);
    expect(sample(m.text, 'hangarshare_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(m.text, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    // The drain: readiness goes first, while the stream is still open; new streams are refused.
    server.proc.kill('SIGTERM');
    await expect.poll(async () => (await fetch(`${server.url}/api/health`)).status, { timeout: 10_000 }).toBe(503);
    expect(await (await fetch(`${server.url}/api/health`)).json()).toMatchObject({ ready: false, reason: 'draining' });
    expect((await fetch(`${server.url}/api/health?probe=live`)).status).toBe(200);
    expect((await connectStream(server.url, { token: owner.token })).status).toBe(503);
    expect(stream.ended).toBe(false);
    stream.close(); // the last stream gone, the drain ends and the process exits
    await new Promise<void>((resolve) => (server.proc.exitCode !== null ? resolve() : server.proc.once('exit', () => resolve())));
    expect(server.proc.exitCode).toBe(0);

    const out = server.output.join('');
    for (const secret of [owner.token, renter.token, FORGED, PASSWORD, METRICS_TOKEN]) expect(out).not.toContain(secret);
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(l).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    expect(lines).toContainEqual(expect.objectContaining({ reqId: 'op-test-auth-1', msg: 'request', method: 'POST', path: '/api/ws', status: 200 }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'GET', path: '/api/ws', status: 401, reqId: expect.any(String) }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', path: '/api/auth/login', status: 401, reqId: expect.any(String) }));
    expect(lines.some((l) => String(l.msg).startsWith('draining'))).toBe(true);
  }, 120_000);

  it('next start (route transport): the same series, counted by the route bundles', async () => {
    const server = await startInstance(PORT + 1, { ...env, WS_TRANSPORT: 'route' });
    started.push(server);
    const stream = await connectStream(server.url, { token: owner.token });
    await stream.next('metrics_updated', 0, 15_000);
    expect((await post(server.url, { type: 'ping' }, { authorization: `Bearer ${owner.token}` })).status).toBe(200);
    const m = await scrape(server.url);
    expect(m.status).toBe(200);
    expect(sample(m.text, 'hangarshare_streams_open', { transport: 'route' })).toBe(1);
    expect(sample(m.text, 'hangarshare_streams_opened_total')).toBe(1);
    expect(sample(m.text, 'hangarshare_client_messages_total', { type: 'ping', outcome: 'ok' })).toBe(1);
    stream.close();
    await server.stop();
    expect(server.output.join('')).not.toContain(owner.token);
  }, 120_000);
});
