/**
 * One seeded chaos run ("the proof" of issue #11): real instances on one PostgreSQL database,
 * 20–50 owners, writers through the routes and through `transactWithEvents`, clients that stall,
 * drop and resume on random instances, and faults (SIGKILL + restart, LISTEN connection killed,
 * events pruned, the replay cap, a user deleted and an admin demoted). Then the writers stop, the
 * clients are given until a bounded deadline to reach the log head, and every client's record is
 * checked against the log (model.ts).
 *
 * Every choice comes from the seed (each actor draws from its own fork of it); the timing of the
 * processes does not, so a seed replays the same plan and the same decisions, and a failure
 * usually, not always, reproduces with it.
 *
 * Needs `DATABASE_URL` pointing at the database the instances share (the test's scratch one), a
 * build in `.next-test` (test/cluster.ts `ensureBuild`) and `JWT_SECRET` in the environment.
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../lib/db/client';
import { createListing, createOwner, createUser } from '../support/fixtures';
import { ChaosClient } from './client';
import { freePort, killListen, Slot, type Transport } from './instances';
import { checkAll, type Prune, type Truth } from './model';
import { type ChaosReport, checkLog, REAUTH_INTERVAL_MS, REAUTH_SLACK_MS } from './report';
import { eventHash, Rng } from './prng';
import { bigTransaction, RouteWriter, TxWriter, waitForLockWaiters, type Committed, type OwnerFixture, type WriterEnv } from './writers';
import { getDb } from '../../lib/runtime';

/** join.ts DEFAULT_REPLAY_LIMIT: the longest replay a server serves. */
export const REPLAY_LIMIT = 5_000;

export interface ChaosOptions {
  seed: number;
  /** How long writers, stalls, drops and faults go on (default 15 s). */
  chaosMs?: number;
  /** How long the clients get, after the writers stop, to reach the head (default 60 s). */
  settleMs?: number;
  /** Fail when a deleted/demoted user's stream outlives the re-auth interval (else: a note). */
  enforceReauth?: boolean;
  /** Include `next start` (route transport) instances (default true). */
  routeTransport?: boolean;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Fault {
  t: number;
  text: string;
  /** Set for a SIGKILL or SIGSTOP: the instance whose streams it broke or froze. */
  disrupts?: number;
  /** When the instance was back (restart or SIGCONT), for a fault that lasts. */
  until?: number;
}

/** What a run must release even when the harness itself fails midway. */
interface Resources {
  slots: Slot[];
  clients: ChaosClient[];
}

/** Runs one seed from start to finish; never throws for a violation, only for a broken harness. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const res: Resources = { slots: [], clients: [] };
  try {
    return await run(opts, res);
  } finally {
    await Promise.all(res.clients.map((c) => c.stop()));
    await Promise.all(res.slots.map((s) => s.kill()));
  }
}

async function run(opts: ChaosOptions, res: Resources): Promise<ChaosReport> {
  const seed = opts.seed >>> 0;
  const chaosMs = opts.chaosMs ?? 15_000;
  const settleMs = opts.settleMs ?? 60_000;
  const log = opts.log ?? ((l: string) => console.log(l));
  const root = new Rng(seed);
  const plan = root.fork('plan');
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const db = await getDb();

  // ---- the plan: sizes, instances, fixtures ------------------------------------------------
  const ownerCount = plan.int(20, 50);
  // Small queues make stalled readers overflow; large ones keep readers live through a burst (so
  // the channel's own catch-up path is what they depend on).
  const maxBuffered = plan.pick([8, 16, 32, 64, 1_000, 5_000]);
  const routeCount = opts.routeTransport === false ? 0 : plan.int(1, 2);
  const transports = plan.shuffle<Transport>(['node', 'node', 'node'].map((t, i) => (i < routeCount ? 'route' : t)) as Transport[]);
  const slotEnv: Record<string, string> = {
    DATABASE_URL: process.env.DATABASE_URL!,
    WS_MAX_BUFFERED_FRAMES: String(maxBuffered),
    WS_RETRY_MS: '200',
    WS_HEARTBEAT_INTERVAL: '1000',
    WS_DRAIN_MS: '300',
    WS_METRICS_POLL_INTERVAL: '3000',
    WS_REAUTH_INTERVAL: String(REAUTH_INTERVAL_MS / 1000), // seconds
  };
  const taken = new Set<number>();
  const slots: Slot[] = res.slots;
  for (let i = 0; i < 3; i++) {
    const port = await freePort(3400 + ((process.pid * 7 + i * 31) % 100), taken);
    taken.add(port);
    slots.push(new Slot(i, transports[i], port, slotEnv));
  }
  // The instances boot while the fixtures are written (the plan draws nothing here).
  const starting = Promise.all(slots.map((s) => s.start()));
  starting.catch(() => undefined);
  const owners: OwnerFixture[] = [];
  for (let i = 0; i < ownerCount; i++) {
    const o = await createOwner(db);
    const listing = await createListing(db, o.ownerId, { totalSpaces: 1000 });
    owners.push({ ownerId: o.ownerId, userId: o.userId, token: o.token, listingId: listing.id });
  }
  const renter = await createUser(db, { kind: 'Renter' });
  const ops = await createUser(db, { role: 'ADMIN', kind: 'Ops' });
  const admins = [await createUser(db, { role: 'ADMIN', kind: 'Admin' }), await createUser(db, { role: 'ADMIN', kind: 'Admin' })];
  // Zipf-like write weights: owner k of a shuffled order gets 1/k, so a few owners are hot.
  const rank = plan.shuffle(owners.map((_, i) => i));
  const weights = owners.map((_, i) => 1 / (rank.indexOf(i) + 1));
  const hottest = owners[rank[0]];
  const deleted = plan.pick(owners.filter((o) => o !== hottest));
  const bigOwner = plan.chance(0.7) ? hottest : plan.pick(owners.filter((o) => o !== deleted));
  const bigSize = plan.chance(0.4) ? plan.int(REPLAY_LIMIT + 1, REPLAY_LIMIT + 300) : plan.int(1_001, 1_500);
  const bigAt = plan.int(Math.floor(chaosMs * 0.2), Math.floor(chaosMs * 0.6));

  const instanceName = (i: number) => slots[i]?.name ?? `i${i}`;

  // Clients: 1–3 per owner (the owner's own user), plus two admins' clients on random owners.
  const clients: ChaosClient[] = res.clients;
  const clientEnv = { now, url: (i: number) => slots[i]?.url, instances: slots.length };
  const addClient = (ownerId: number, who: 'owner' | 'admin', token: string, doomed?: 'delete' | 'demote') => {
    const index = clients.length;
    clients.push(new ChaosClient({ index, ownerId, who, token, doomed, steady: !!doomed }, root.fork(`client${index}`), clientEnv));
  };
  for (const o of owners) {
    const n = plan.weighted([
      [5, 1],
      [4, 2],
      [1, 3],
    ] as const);
    for (let k = 0; k < n; k++) addClient(o.ownerId, 'owner', o.token, o === deleted ? 'delete' : undefined);
  }
  for (const [a, admin] of admins.entries()) {
    const n = plan.int(1, 2);
    for (let k = 0; k < n; k++) addClient(plan.pick(owners).ownerId, 'admin', admin.token, a === 1 ? 'demote' : undefined);
  }
  const holdCandidates = clients.filter((c) => c.spec.ownerId === bigOwner.ownerId && !c.spec.doomed);
  const held = holdCandidates.length > 0 ? plan.pick(holdCandidates) : undefined;

  // Faults, at times drawn from the seed.
  const faultPlan = root.fork('faults');
  type Planned = {
    t: number;
    kind: 'kill' | 'freeze' | 'listen' | 'prune' | 'big' | 'delete' | 'demote';
    slot?: number;
    owners?: number[];
    keep?: number;
    down?: number;
  };
  const planned: Planned[] = [];
  const at = (lo: number, hi: number) => faultPlan.int(Math.floor(chaosMs * lo), Math.floor(chaosMs * hi));
  for (let i = faultPlan.int(1, 2); i > 0; i--) planned.push({ t: at(0.1, 0.8), kind: 'kill', slot: faultPlan.int(0, 2), down: faultPlan.int(300, 2_000) });
  for (let i = faultPlan.int(0, 2); i > 0; i--) {
    const freeze: Planned = { t: at(0.1, 0.85), kind: 'freeze', slot: faultPlan.int(0, 2), down: faultPlan.int(500, 3_000) };
    planned.push(freeze);
    // Half the time, the hot owner's log is pruned while that instance is frozen.
    if (faultPlan.chance(0.5))
      planned.push({ t: freeze.t + Math.floor(freeze.down! / 2), kind: 'prune', owners: [hottest.ownerId], keep: faultPlan.int(0, 2) });
  }
  for (let i = faultPlan.int(1, 3); i > 0; i--)
    planned.push({ t: at(0.05, 0.9), kind: 'listen', slot: faultPlan.chance(0.3) ? undefined : faultPlan.int(0, 2) });
  for (let i = faultPlan.int(2, 4); i > 0; i--) {
    const all = faultPlan.chance(0.3);
    const one = faultPlan.chance(0.5) ? hottest : faultPlan.pick(owners);
    planned.push({ t: at(0.1, 0.95), kind: 'prune', owners: all ? owners.map((o) => o.ownerId) : [one.ownerId], keep: faultPlan.int(0, all ? 10 : 5) });
  }
  planned.push({ t: bigAt, kind: 'big' });
  planned.push({ t: at(0.3, 0.7), kind: 'delete' });
  planned.push({ t: at(0.3, 0.7), kind: 'demote' });
  planned.sort((a, b) => a.t - b.t);

  const planText =
    `seed ${seed}: ${ownerCount} owners, ${clients.length} clients, instances ${slots.map((s) => `${s.name}:${s.port}`).join(' ')}, ` +
    `WS_MAX_BUFFERED_FRAMES ${maxBuffered}, hottest owner ${hottest.ownerId}, big transaction ${bigSize} events for owner ${bigOwner.ownerId} @${(bigAt / 1000).toFixed(1)}s` +
    `${held ? ` (client ${held.spec.index} held offline through it)` : ''}, user of owner ${deleted.ownerId} deleted, admin demoted; ` +
    `faults: ${planned
      .filter((p) => p.kind !== 'big')
      .map(
        (p) =>
          `${p.kind}${p.slot !== undefined ? ` i${p.slot}` : ''}${p.owners ? ` ${p.owners.length > 1 ? 'all owners' : `owner ${p.owners[0]}`} keep ${p.keep}` : ''} @${(p.t / 1000).toFixed(1)}s`,
      )
      .join(', ')}`;
  log(`[chaos] ${planText}`);

  // ---- run ------------------------------------------------------------------------------------
  await starting;
  const chaosStart = now();
  const faults: Fault[] = [];
  const flog = (text: string, disrupts?: number, lastsMs?: number) =>
    faults.push({ t: now(), text, disrupts, until: lastsMs === undefined ? undefined : now() + lastsMs });
  const prunes: Prune[] = [];
  const prunedRows: { owner_id: number; seq: number; type: string; payload: unknown }[] = [];
  let bigCommitted: Committed[] = [];

  for (const c of clients) c.start();
  // Every client has its starting point before anything is written, so none starts mid-way.
  await waitFor(
    () => clients.every((c) => c.started),
    120_000,
    () => `${clients.filter((c) => !c.started).length} of ${clients.length} clients had no starting point`,
  );

  const writerEnv: WriterEnv = {
    now,
    url: clientEnv.url,
    instances: slots.length,
    owners,
    weights,
    renterToken: renter.token,
    renterUserId: renter.userId,
    adminToken: ops.token,
    seed,
  };
  const routeWriters = [0, 1].map((i) => new RouteWriter(i, root.fork(`route${i}`), writerEnv));
  const txWriter = new TxWriter(root.fork('tx'), writerEnv);
  for (const w of routeWriters) w.start();
  txWriter.start();

  const base = now();
  const tasks = planned.map(async (p) => {
    await sleep(Math.max(0, base + p.t - now()));
    switch (p.kind) {
      case 'kill': {
        const slot = slots[p.slot!];
        if (!slot.current) return;
        flog(`SIGKILL ${slot.name}`, slot.index, p.down!);
        await slot.kill();
        await sleep(p.down!);
        await restart(slot);
        flog(`restarted ${slot.name}`);
        return;
      }
      case 'freeze': {
        const slot = slots[p.slot!];
        flog(`SIGSTOP ${slot.name} for ${p.down} ms`, slot.index, p.down!);
        if (await slot.freeze(p.down!)) flog(`SIGCONT ${slot.name}`);
        return;
      }
      case 'listen': {
        const n = await killListen(db, p.slot === undefined ? undefined : slots[p.slot]);
        flog(`LISTEN killed on ${p.slot === undefined ? 'every instance' : slots[p.slot].name} (${n} backends)`);
        return;
      }
      case 'prune': {
        const t = now();
        const gone = await rows<{ owner_id: number; seq: number; type: string; payload: unknown }>(
          db,
          sql`delete from realtime_events e using owner_sequences s
              where e.owner_id = s.owner_id and e.owner_id in ${inList(p.owners!)} and e.seq <= s.last_seq - ${p.keep!}
              returning e.owner_id::int as owner_id, e.seq::int as seq, e.type, e.payload`,
        );
        prunedRows.push(...gone);
        const upTo = new Map<number, number>();
        for (const r of gone) upTo.set(r.owner_id, Math.max(upTo.get(r.owner_id) ?? 0, r.seq));
        for (const [ownerId, u] of upTo) prunes.push({ ownerId, upTo: u, t });
        flog(
          `pruned ${gone.length} events (${p.owners!.length > 1 ? 'all owners' : `owner ${p.owners![0]}: seq ≤ ${upTo.get(p.owners![0]) ?? '-'}`}, keep ${p.keep})`,
        );
        return;
      }
      case 'big': {
        // A booking of the same owner through every instance while it runs: each waits for the
        // owner's sequence row, and the big transaction commits only once they wait (or after 3 s),
        // so they commit right behind it and every instance has a live event of its own while it
        // is still catching up on the big transaction from the log.
        let bookings: Promise<unknown> = Promise.resolve();
        const done = bigTransaction(root.fork('big'), seed, bigOwner.ownerId, bigSize, async () => {
          const up = slots.filter((slot) => slot.url);
          bookings = Promise.all(up.map((slot) => routeWriters[0].confirmFor(slot.url!, bigOwner, 600 + slot.index).catch(() => undefined)));
          await waitForLockWaiters(db, up.length, 3_000);
        });
        if (held) held.dropAndHold(done);
        flog(`big transaction of ${bigSize} events for owner ${bigOwner.ownerId} begins`);
        bigCommitted = await done;
        flog(`big transaction committed (seq ${bigCommitted[0]?.seq}–${bigCommitted.at(-1)?.seq})`);
        await bookings;
        flog(`bookings for owner ${bigOwner.ownerId} through every instance committed`);
        return;
      }
      case 'delete':
      case 'demote': {
        if (p.kind === 'delete') await db.execute(sql`update users set deleted_at = now() where id = ${deleted.userId}`);
        else await db.execute(sql`update users set role = 'user' where id = ${admins[1].userId}`);
        const t = now();
        for (const c of clients) if (c.spec.doomed === p.kind) c.doomedAt(t);
        flog(p.kind === 'delete' ? `user of owner ${deleted.ownerId} deleted` : `admin ${admins[1].userId} demoted`);
        return;
      }
    }
  });
  await sleep(Math.max(0, base + chaosMs - now()));
  for (const w of routeWriters) await w.stop();
  await txWriter.stop();
  await Promise.all(tasks);
  for (const s of slots) if (!s.current) await restart(s);
  flog('writers stopped; settling');

  // ---- settle: every client reaches the head, or the deadline passes -------------------------
  for (const c of clients) c.quiesce();
  const ownerIds = owners.map((o) => o.ownerId);
  const heads = await readHeads(db, ownerIds);
  await waitFor(() => clients.every((c) => c.spec.doomed || (c.pos ?? -1) >= (heads.get(c.spec.ownerId) ?? 0)), settleMs).catch(() => undefined);
  const settled = now();
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(slots.map((s) => s.stop()));

  // ---- truth and checks ------------------------------------------------------------------------
  const logRows = await rows<{ owner_id: number; seq: number; type: string; payload: unknown }>(
    db,
    sql`select owner_id::int as owner_id, seq::int as seq, type, payload from realtime_events where owner_id in ${inList(ownerIds)} order by owner_id, seq`,
  );
  const events = new Map<number, Map<number, number>>();
  for (const r of [...logRows, ...prunedRows]) {
    const m = events.get(r.owner_id) ?? new Map<number, number>();
    m.set(r.seq, eventHash(r.type, r.payload));
    events.set(r.owner_id, m);
  }
  const truth: Truth = { heads, events, prunes, replayLimit: REPLAY_LIMIT };
  const faultsNear = (t: number) => {
    const near = faults.filter((f) => f.t >= t - 3_000 && f.t <= t + 500).map((f) => `${f.text} @${(f.t / 1000).toFixed(2)}s`);
    return near.length ? ` [faults near: ${near.join('; ')}]` : '';
  };
  const records = clients.map((c) => c.record);
  const result = checkAll(records, truth, {
    reauthIntervalMs: REAUTH_INTERVAL_MS,
    reauthSlackMs: REAUTH_SLACK_MS,
    enforceReauth: !!opts.enforceReauth,
    instanceName,
    faultsNear,
    // A fault of that instance overlapping [from, to]: one that began just before and lasted counts too.
    disrupted: (i, from, to) => faults.some((f) => f.disrupts === i && (f.until ?? f.t) >= from - 100 && f.t <= to),
  });
  const logViolations = checkLog(truth, logRows, prunedRows, [...txWriter.committed, ...bigCommitted], txWriter.rolledBackMarkers);
  const counts: Record<string, number> = {};
  for (const v of result.violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  if (logViolations.length) counts.log = logViolations.length;

  const totalEvents = [...heads.values()].reduce((n, h) => n + h, 0);
  const resets = records.reduce((n, r) => n + r.marks.filter((m) => m.k === 'reset').length, 0);
  const reconnects = records.reduce((n, r) => n + r.marks.filter((m) => m.k === 'connected').length, 0) - records.length;
  const stalls = records.reduce((n, r) => n + r.marks.filter((m) => m.k === 'stall').length, 0);
  log(
    `[chaos] seed ${seed}: ${totalEvents} events (route writes ok ${routeWriters.reduce((n, w) => n + w.stats.ok, 0)}, failed ${routeWriters.reduce((n, w) => n + w.stats.failed, 0)}; ` +
      `tx commits ${txWriter.stats.ok}, rollbacks ${txWriter.stats.rolledBack}), ${stalls} stalls, ${reconnects} reconnects, ${resets} resets; ` +
      `chaos ${((settled - chaosStart) / 1000).toFixed(1)}s incl. settle; ${result.violations.length + logViolations.length} violations ${JSON.stringify(counts)}`,
  );
  return {
    seed,
    plan: planText,
    violations: result.violations,
    logViolations,
    notes: result.notes,
    reauth: result.reauth,
    faults: faults.map((f) => `${(f.t / 1000).toFixed(2)}s ${f.text}`),
    ms: now(),
    counts,
    records,
  };
}

async function restart(slot: Slot): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await slot.start();
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(500);
    }
  }
}

async function waitFor(cond: () => boolean, ms: number, what?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms${what ? `: ${what()}` : ''}`);
    await sleep(100);
  }
}

/** `(1, 2, 3)` as bound parameters. */
const inList = (ids: readonly number[]) =>
  sql`(${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )})`;

async function readHeads(db: Db, ownerIds: number[]): Promise<Map<number, number>> {
  const r = await rows<{ owner_id: number; last_seq: number }>(
    db,
    sql`select owner_id::int as owner_id, last_seq::int as last_seq from owner_sequences where owner_id in ${inList(ownerIds)}`,
  );
  const heads = new Map<number, number>(ownerIds.map((o) => [o, 0]));
  for (const x of r) heads.set(x.owner_id, Number(x.last_seq));
  return heads;
}
