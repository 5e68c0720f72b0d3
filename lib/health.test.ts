/**
 * `GET /api/health`: liveness always; readiness follows the database (on PostgreSQL, cut and
 * restored through a TCP proxy, as test/faults.test.ts does to a server) and turns false at the
 * start of a drain, while streams are still open, so a load balancer stops sending new ones first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GET } from '../app/api/health/route';
import { GET as metricsGET } from '../app/api/metrics/route';
import { sample } from '../test/support/exposition';
import { createOwner } from '../test/support/fixtures';
import { openStream } from '../test/support/sse-client';
import { startTcpProxy, type TcpProxy } from '../test/support/tcp-proxy';
import { resetConfig } from './config';
import { drainAndStop, getDb, getRuntime } from './runtime';

// On PostgreSQL the runtime reaches the database through a proxy the test can cut.
let proxy: TcpProxy | undefined;
if (process.env.DATABASE_URL) {
  const url = new URL(process.env.DATABASE_URL);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.host = `127.0.0.1:${proxy.port}`;
  process.env.DATABASE_URL = url.toString();
}
process.env.WS_DRAIN_MS = '600000'; // the drained stream stays open while readiness is checked (ended by hand)
resetConfig();
afterAll(async () => proxy?.close());

async function health(query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await GET(new Request(`http://localhost/api/health${query}`));
  return { status: res.status, body: await res.json() };
}

describe('GET /api/health', () => {
  it('is ready once the database is migrated and the runtime built; live always', async () => {
    await getRuntime();
    expect(await health()).toEqual({ status: 200, body: { ok: true, ready: true, database: process.env.DATABASE_URL ? 'postgres' : 'pglite' } });
    expect(await health('?probe=live')).toEqual({ status: 200, body: { ok: true, live: true } });
  });

  it.runIf(proxy)('is not ready while the database is unreachable, and ready again once it is back', async () => {
    await getRuntime();
    proxy!.down();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, ready: false, reason: 'database_unreachable' });
    expect((await health('?probe=live')).status).toBe(200);
    const scraped = await (await metricsGET(new Request('http://localhost/api/metrics'))).text();
    expect(sample(scraped, 'hangarshare_db_errors_total', { op: 'health' })).toBeGreaterThanOrEqual(1);
    proxy!.up();
    await expect.poll(async () => (await health()).status, { timeout: 15_000 }).toBe(200);
  });

  it('is not ready from the start of a drain, while its streams are still open; new streams are refused', async () => {
    const o = await createOwner(await getDb());
    const s = await openStream({ token: o.token });
    await s.next('metrics_updated');
    const { hub } = await getRuntime();
    const drained = drainAndStop('test');
    const during = await health();
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ ready: false, reason: 'draining' });
    expect(hub.connectionCount()).toBe(1); // readiness went first; the stream is sent away at a random moment within 10 min
    const refused = await openStream({ token: o.token });
    expect(refused.status).toBe(503);
    expect((await health('?probe=live')).status).toBe(200);
    hub.shutdown(); // end the test's drain now rather than at a random moment within a minute
    await drained;
    s.close();
  });
});
