/**
 * The proof of issue #14: a serverless-shaped deployment. A real PgBouncer in transaction mode in
 * front of the test's PostgreSQL (no LISTEN, no prepared statements), two `next start` instances
 * (the route transport) whose DATABASE_URL goes through it with `?pgbouncer=true`, streams cut
 * every WS_MAX_STREAM_SECONDS. A client follows one owner on B across the cuts while bookings are
 * made through A's real routes; every event must arrive on B exactly once, in order, and mostly
 * live (polled from the log within a tick, not replayed at the next reconnect); a token refresh
 * and a ping posted to A must take effect on B's stream.
 *
 * PostgreSQL and PgBouncer only: several processes share the database, which the embedded one cannot do.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { headSeq } from '../lib/realtime/log/event-log';
import { getDb } from '../lib/runtime';
import { bookOverHttp, createListing, createOwner, createUser, mintToken } from './support/fixtures';
import { havePgBouncer, startPgBouncer, type PgBouncer } from './support/pgbouncer';
import { ensureBuild, startInstance, type Instance } from './support/servers';
import { connectStream, type SseClient } from './support/sse-client';

const onPostgres = !!process.env.TEST_BASE_DATABASE_URL;
const POLL_MS = 250;
const MAX_STREAM_SECONDS = 5;
/** The ask: at least this many events, across at least this many stream cuts. */
const MIN_EVENTS = 200;
const MIN_CUTS = 5;
const BASE_PORT = 3600 + (process.pid % 30) * 3;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let db: Db;
let bouncer: PgBouncer;
let a: Instance;
let b: Instance;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let hangarId: number;
/** Each booking gets its own night (`bookOverHttp` books `30 + n` days ahead). */
let bookingNo = 0;
/** Nights one renter can take: a check-in must lie within two years. */
const NIGHTS_PER_RENTER = 690;

/**
 * The next booking through A, on a night of its own for its renter. A fast machine makes hundreds
 * before the streams have been cut often enough: past two years of nights, a new renter starts
 * over (the listing has room for a thousand a night; the same renter and stay would be a replay).
 */
async function bookNext(): Promise<Response> {
  const n = ++bookingNo;
  if (n > 1 && (n - 1) % NIGHTS_PER_RENTER === 0) renter = await createUser(db);
  return bookOverHttp(a.url, renter, hangarId, ((n - 1) % NIGHTS_PER_RENTER) + 1);
}

const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Follows `ownerId` on `on` as our client does: each stream that ends is reopened at once with Last-Event-ID. */
function follow(on: Instance, token: string) {
  const segments: SseClient[] = [];
  let stopped = false;
  const done = (async () => {
    let last: number | undefined;
    while (!stopped) {
      const s = await connectStream(on.url, { token, lastEventId: last });
      if (s.status !== 200) throw new Error(`stream on ${on.port} → ${s.status} ${await s.response.text()}`);
      segments.push(s);
      await s.until(() => s.ended || stopped, 120_000, 'the stream to end');
      if (last === undefined) last = Number(s.frames.find((f) => f.event === 'connected')?.id);
      last = s.seqs().at(-1) ?? last;
      s.close();
    }
  })();
  return {
    segments,
    seqs: () => segments.flatMap((s) => s.seqs()),
    cuts: () => segments.filter((s) => s.ended && s.frames.at(-1)?.event === 'reconnect').length,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

describe('serverless: pooled PostgreSQL without LISTEN, short streams, no sticky sessions (issue #14)', () => {
  if (!onPostgres) {
    it.skip('needs PostgreSQL (set DATABASE_URL) and real server processes; the embedded PGlite database is one process, so there is nothing to run here', () => {});
    return;
  }
  if (!havePgBouncer()) {
    it.skip('needs PgBouncer: apt-get install -y pgbouncer (.ci/run installs it)', () => {});
    return;
  }

  beforeAll(async () => {
    ensureBuild();
    db = await getDb();
    owner = await createOwner(db);
    renter = await createUser(db);
    const admin = await createUser(db, { role: 'ADMIN' });
    hangarId = (await createListing(db, owner.ownerId, { totalSpaces: 1000 })).id;
    bouncer = await startPgBouncer(process.env.DATABASE_URL!, BASE_PORT);
    const env = {
      WS_TRANSPORT: 'route',
      DATABASE_URL: bouncer.url,
      DATABASE_DIRECT_URL: process.env.DATABASE_URL!,
      WS_LOG_POLL_MS: String(POLL_MS),
      WS_MAX_STREAM_SECONDS: String(MAX_STREAM_SECONDS),
      LOG_LEVEL: 'info', // the boot line naming the delivery mode is info (the suite's default is warn)
    };
    [a, b] = await Promise.all([startInstance(BASE_PORT + 1, env), startInstance(BASE_PORT + 2, env)]);
    // A routes B's client messages only once it has seen B's presence row (one beat, 3 s).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stats = await (await fetch(`${a.url}/api/ws/stats`, { headers: { authorization: `Bearer ${admin.token}` } })).json();
      if (stats.instances?.length === 2) break;
      if (Date.now() > deadline) throw new Error(`A never saw B: ${JSON.stringify(stats)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await bouncer?.stop();
  });

  it('boots both instances in poll mode, detected from the pooled URL', () => {
    for (const i of [a, b])
      expect(i.output.join('')).toContain('cross-instance delivery: poll, one query every 250 ms — DATABASE_URL declares a transaction pooler');
  });

  it(`delivers every event made on A to B exactly once, in order, live, across ≥ ${MIN_CUTS} stream cuts`, async () => {
    const start = await headSeq(db, owner.ownerId);
    const follower = follow(b, owner.token);
    await new Promise((r) => setTimeout(r, 500));
    // Each booking's events are the seqs between the head before it and the head once A answered.
    const answeredAt = new Map<number, number>();
    let head = start;
    for (let n = 1; head - start < MIN_EVENTS || follower.cuts() < MIN_CUTS; n++) {
      const res = await bookNext();
      const at = Date.now();
      if (res.status !== 200) throw new Error(`booking ${n} via A → ${res.status} ${await res.text()}`);
      const now = await headSeq(db, owner.ownerId);
      for (let seq = head + 1; seq <= now; seq++) answeredAt.set(seq, at);
      head = now;
      if (n > 2_000) throw new Error(`gave up: ${head - start} events, ${follower.cuts()} cuts`);
    }
    const last = follower.segments.at(-1)!;
    await last.until(() => (follower.seqs().at(-1) ?? 0) >= head, 20_000, `event ${head} on B`);
    await follower.stop();

    const expected = Array.from({ length: head - start }, (_, i) => start + 1 + i);
    expect(follower.seqs()).toEqual(expected); // exactly once, in order, nothing missing
    expect(follower.cuts()).toBeGreaterThanOrEqual(MIN_CUTS);

    // Live = after the segment's first metrics snapshot (the join replays before it, then goes live).
    const latencies: number[] = [];
    let live = 0;
    for (const s of follower.segments) {
      const snapshotAt = s.frames.findIndex((f) => f.event === 'metrics_updated');
      s.frames.forEach((f, i) => {
        if (f.id === undefined || f.event === 'connected' || f.event === 'reset') return;
        if (snapshotAt >= 0 && i > snapshotAt) live++;
        latencies.push(Math.max(0, f.receivedAt - answeredAt.get(Number(f.id))!));
      });
    }
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    console.log(
      `[serverless] ${expected.length} events, ${follower.cuts()} cuts, ${live} live / ${expected.length - live} replayed; ` +
        `latency after A answered: p50 ${p50} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms (target: poll ${POLL_MS} ms + 100 ms)`,
    );
    // Without polling (the failure this issue fixes) B gets another instance's events only by
    // replay at its next reconnect: none live. Most arrive live here, whatever the machine's load.
    expect(live / expected.length).toBeGreaterThan(0.5);
    // Latency is reported against the target, not asserted to it: on two busy cores one query can
    // outlast a tick, and the house rule is no test that depends on timing luck. The bound asserted
    // is what a replay-only path cannot meet on average: half of WS_MAX_STREAM_SECONDS at the median.
    expect(p50).toBeLessThan((MAX_STREAM_SECONDS * 1000) / 2);
  }, 300_000);

  it("applies a token refresh and a ping posted to A on B's stream (durably, no LISTEN)", async () => {
    const short = await mintToken({ id: owner.userId }, { expiresIn: 3 });
    const refreshed = await connectStream(b.url, { token: short });
    const control = await connectStream(b.url, { token: short });
    await refreshed.next('metrics_updated', 0, 10_000);
    await control.next('metrics_updated', 0, 10_000);
    const fresh = await mintToken({ id: owner.userId }, { expiresIn: 3600 });
    const post = (body: object) =>
      fetch(`${a.url}/api/ws`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh}` },
        body: JSON.stringify(body),
      });

    const auth = await post({ type: 'auth', token: fresh, ownerId: String(owner.ownerId), connectionId: refreshed.connectionId });
    expect(auth.status).toBe(200);
    expect(await auth.json()).toMatchObject({ ok: true, routed: true });
    const ping = await post({ type: 'ping', ownerId: String(owner.ownerId), connectionId: refreshed.connectionId });
    expect(ping.status).toBe(200);
    const pong = await ping.json();
    expect((await refreshed.next('pong', 0, 5_000)).envelope.data.serverTime).toBe(pong.serverTime);

    await control.until(() => control.ended, 15_000, 'the unrefreshed stream to expire');
    expect(control.frames.at(-1)!.event).toBe('token_expired');
    await refreshed.until(() => refreshed.ended, 15_000, 'the refreshed stream to reach its age limit');
    // It outlived the old token and ended only at WS_MAX_STREAM_SECONDS.
    expect(refreshed.frames.at(-1)!.event).toBe('reconnect');
    expect(refreshed.of('token_expired')).toHaveLength(0);
  }, 60_000);

  it('keeps the dashboard on B live across stream cuts while bookings are made on A (Chromium, Playwright)', async (ctx) => {
    if (!existsSync(CHROMIUM)) return ctx.skip(`no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    const { chromium } = await import('@playwright/test');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    try {
      const context = await browser.newContext();
      const session = {
        token: owner.token,
        user: { id: owner.userId, name: 'Owner', email: `owner${owner.userId}@test.local`, role: 'user' },
        owners: [{ id: owner.ownerId, companyName: 'Company' }],
      };
      await context.addInitScript((s) => {
        localStorage.setItem('token', s.token);
        localStorage.setItem('user', JSON.stringify(s.user));
        localStorage.setItem('owners', JSON.stringify(s.owners));
      }, session);
      const page = await context.newPage();
      await page.goto(`${b.url}/hangarshare/owner/dashboard`);
      const status = page.getByTestId('connection-status');
      await page.waitForFunction(() => document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-status') === 'connected', undefined, {
        timeout: 30_000,
      });
      // Three stream lifetimes of bookings, each one awaited until its notification is on the page.
      const until = Date.now() + 3 * MAX_STREAM_SECONDS * 1000;
      const shown: number[] = [];
      while (Date.now() < until) {
        const res = await bookNext();
        if (res.status !== 200) throw new Error(`booking ${bookingNo} via A → ${res.status} ${await res.text()}`);
        const { booking } = (await res.json()) as { booking: { id: number } };
        await page.locator(`[data-testid="booking-notification"][data-booking-id="${booking.id}"]`).waitFor({ timeout: 10_000 });
        shown.push(booking.id);
      }
      expect(shown.length).toBeGreaterThan(3);
      expect(await status.getAttribute('data-status')).toMatch(/connected|connecting|reconnecting/);
      console.log(`[serverless] dashboard on B showed ${shown.length} bookings made on A over ${3 * MAX_STREAM_SECONDS} s of ${MAX_STREAM_SECONDS} s streams`);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
