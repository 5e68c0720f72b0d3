/**
 * One measured run of the stream bench against one server: start it, measure the idle heap,
 * open N streams (connect rate), measure heap/RSS per stream, publish per-owner events at a
 * steady rate (delivery latency), broadcast to every owner (time to full delivery), make every
 * client reconnect at once (storm), then stop everything it started.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { PublisherCommand, PublisherReply } from '../publisher';
import {
  broadcastResults,
  commitTimes,
  diffSnapshots,
  latencies,
  summarizeProfile,
  worstBySecond,
  type BroadcastResult,
  type BroadcastRound,
} from './analysis';
import { ClientPool } from './clients';
import type { BenchOwner } from './db';
import { resetEventLog } from './db';
import type { StreamSpec, WorkerStatus } from './protocol';
import { median, percentiles, sleep, type Percentiles } from './stats';
import { memory, probe, startTarget, type MemSample, type Target, type TargetKind } from './targets';

/** Settings shared by every run of one bench invocation. */
export interface RunContext {
  dbUrl: string;
  secret: string;
  owners: BenchOwner[];
  tokens: Map<number, string>;
  port: number;
  rate: number;
  seconds: number;
  rounds: number;
  perOwner: number;
  fixedOwners?: number;
  clients?: number;
  profile: boolean;
  snapshot: boolean;
  /** WS_HEARTBEAT_INTERVAL for the app (and the floor's ping period), ms; undefined = the defaults (30 000). */
  heartbeatMs?: number;
  /** Skip the reconnect storm (experiments). */
  noStorm: boolean;
  outDir: string;
  emptyAppDir: string;
  log: (m: string) => void;
}

/** Everything one run measured. */
export interface RunResult {
  transport: TargetKind;
  n: number;
  owners: number;
  clients: number;
  at: string;
  connect: { ms: number; perSecond: number; status: WorkerStatus } & PhaseCost;
  memory: { base: MemSample; loaded: MemSample; afterStorm?: MemSample; heapPerStreamKB: number; rssPerStreamKB: number; externalPerStreamKB: number };
  steady?: {
    rate: number;
    seconds: number;
    published: number;
    failed: number;
    publisherLateMs: number;
    expected: number;
    received: number;
    latency: Percentiles;
    worstPerSecond: number[];
    loopDelayMs: MemSample['loopDelayMs'];
    serverCpuPct: number;
    loadAvg: number;
  };
  broadcast?: { rounds: BroadcastResult[]; medianMs: number; maxMs: number };
  storm?: { ms: number; status: WorkerStatus } & PhaseCost;
  /** CPU profile summaries by phase (connect, events, storm) when profiling. */
  profiles?: Record<string, ReturnType<typeof summarizeProfile>>;
  heapDiff?: [string, number, number][];
}

/** Server CPU time and (with --profile) database transactions spent per stream opened. */
export interface PhaseCost {
  cpuMsPerStream?: number;
  xactsPerStream?: number;
  /** Connections the kernel dropped because a listen queue was full (machine-wide TcpExt ListenOverflows). */
  listenOverflows?: number;
}

/** The machine's TcpExt ListenOverflows counter (0 when /proc/net/netstat is unreadable). */
function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    const i = lines[0].split(' ').indexOf('ListenOverflows');
    return Number(lines[1].split(' ')[i]);
  } catch {
    return 0;
  }
}

/** Committed transactions of the bench database so far (each autocommit query is one). */
async function xactCount(url: string, settle: boolean): Promise<number> {
  // Backends report their counters when idle, at the latest ~10 s later (PostgreSQL 15).
  if (settle) await sleep(11_000);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select xact_commit::float8 as n from pg_stat_database where datname = current_database()`;
    return Number(row.n);
  } finally {
    await admin.end();
  }
}

/** Runs an open/storm phase and accounts the server CPU (and, when profiling, the queries) it took per stream. */
async function costed<T extends { ms: number }>(ctx: RunContext, target: Target, n: number, fn: () => Promise<T>): Promise<T & PhaseCost> {
  const x0 = ctx.profile ? await xactCount(ctx.dbUrl, true) : 0;
  const c0 = (await probe<MemSample>(target, '/cpu')).cpuMs;
  const o0 = listenOverflows();
  const value = await fn();
  const overflows = listenOverflows() - o0;
  const c1 = (await probe<MemSample>(target, '/cpu')).cpuMs;
  const x1 = ctx.profile ? await xactCount(ctx.dbUrl, true) : 0;
  const cost: PhaseCost = { cpuMsPerStream: (c1 - c0) / n, xactsPerStream: ctx.profile ? (x1 - x0 - 1) / n : undefined, listenOverflows: overflows };
  ctx.log(
    `  server CPU ${cost.cpuMsPerStream!.toFixed(2)} ms/stream, listen-queue overflows ${overflows}${cost.xactsPerStream === undefined ? '' : `, ${cost.xactsPerStream.toFixed(2)} database transactions/stream`}`,
  );
  return { ...value, ...cost };
}

/** N streams over M owners: owner i gets ⌊N/M⌋ or one more. */
export function planStreams(ctx: RunContext, n: number): { specs: StreamSpec[]; perOwner: Map<number, number> } {
  const m = Math.min(ctx.owners.length, ctx.fixedOwners ?? Math.max(1, Math.round(n / ctx.perOwner)));
  const perOwner = new Map<number, number>();
  const specs: StreamSpec[] = [];
  for (let i = 0; i < n; i++) {
    const { ownerId } = ctx.owners[i % m];
    perOwner.set(ownerId, (perOwner.get(ownerId) ?? 0) + 1);
    specs.push({ ownerId, token: ctx.tokens.get(ownerId)! });
  }
  return { specs, perOwner };
}

function serverEnv(ctx: RunContext, n: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: ctx.dbUrl,
    JWT_SECRET: ctx.secret,
    WS_MAX_CONNECTIONS: String(2 * n + 100),
    WS_MAX_CONNECTIONS_PER_OWNER: String(n + 100),
    WS_DRAIN_MS: '0',
    ...(ctx.heartbeatMs ? { WS_HEARTBEAT_INTERVAL: String(ctx.heartbeatMs), FLOOR_HEARTBEAT_MS: String(ctx.heartbeatMs) } : {}),
  };
}

/** Opens and closes a few streams so lazily loaded code is in the idle baseline. */
async function warmUp(target: Target, spec: StreamSpec): Promise<void> {
  const pool = new ClientPool(1);
  try {
    await pool.open(target.port, target.path, Array(5).fill(spec), 5, 30_000);
  } finally {
    await pool.close();
  }
  await sleep(500);
}

class Publisher {
  private readonly proc: ChildProcess;
  constructor(dbUrl: string, secret: string) {
    this.proc = fork(join(import.meta.dirname, '..', 'publisher.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: dbUrl, JWT_SECRET: secret, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
  }
  request<T extends PublisherReply['type']>(cmd: PublisherCommand, type: T): Promise<Extract<PublisherReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const on = (m: PublisherReply) => {
        if (m.type !== type && m.type !== 'error') return;
        this.proc.off('message', on);
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m as Extract<PublisherReply, { type: T }>);
      };
      this.proc.on('message', on);
      this.proc.send(cmd);
    });
  }
  close(): void {
    if (this.proc.connected) this.proc.send({ cmd: 'close' } satisfies PublisherCommand);
    setTimeout(() => this.proc.kill('SIGKILL'), 2_000).unref();
  }
}

async function steadyPhase(ctx: RunContext, target: Target, pool: ClientPool, pub: Publisher, perOwner: Map<number, number>): Promise<RunResult['steady']> {
  await pool.take();
  const before = await memory(target); // also resets the probe's event-loop delay histogram
  ctx.log(`  per-owner events: ${ctx.rate}/s for ${ctx.seconds} s over ${perOwner.size} owners`);
  const x0 = ctx.profile ? await xactCount(ctx.dbUrl, true) : 0;
  const done = await pub.request({ cmd: 'steady', owners: [...perOwner.keys()], rate: ctx.rate, seconds: ctx.seconds }, 'steady-done');
  if (ctx.profile) {
    // The publisher's own transactions are one per event; the rest are the server's (log reads, metrics).
    const serverXacts = (await xactCount(ctx.dbUrl, true)) - x0 - 1 - done.events.length / 3;
    ctx.log(`  server database transactions per published event: ${(serverXacts / (done.events.length / 3)).toFixed(2)}`);
  }
  let expected = 0;
  for (let i = 0; i < done.events.length; i += 3) expected += perOwner.get(done.events[i]) ?? 0;
  await pool.waitReceipts(expected, 15_000);
  const after = await memory(target);
  const serverCpuPct = (100 * (after.cpuMs - before.cpuMs)) / (after.t - before.t);
  const receipts = await pool.take();
  const commits = commitTimes(done.events);
  const lat = latencies(receipts, commits);
  const latency = percentiles(lat);
  const worstPerSecond = worstBySecond(receipts, commits);
  ctx.log(
    `  latency p50 ${latency.p50.toFixed(1)} p95 ${latency.p95.toFixed(1)} p99 ${latency.p99.toFixed(1)} max ${latency.max.toFixed(1)} ms (${lat.length}/${expected} deliveries; publisher late ≤ ${done.lateMs.toFixed(0)} ms; server CPU ${serverCpuPct.toFixed(0)}%, loop delay p99 ${after.loopDelayMs.p99.toFixed(1)} ms; load ${loadavg()[0].toFixed(2)})`,
  );
  ctx.log(`  worst latency per second of commits: ${worstPerSecond.join(' ')} ms`);
  return {
    rate: ctx.rate,
    seconds: ctx.seconds,
    published: done.events.length / 3,
    failed: done.failed,
    publisherLateMs: done.lateMs,
    expected,
    received: lat.length,
    latency,
    worstPerSecond,
    loopDelayMs: after.loopDelayMs,
    serverCpuPct,
    loadAvg: loadavg()[0],
  };
}

async function broadcastPhase(ctx: RunContext, pool: ClientPool, pub: Publisher, perOwner: Map<number, number>, n: number): Promise<RunResult['broadcast']> {
  const rounds: BroadcastRound[] = [];
  let expected = (await pool.status()).receipts;
  for (let r = 0; r < ctx.rounds; r++) {
    const done = await pub.request({ cmd: 'broadcast', owners: [...perOwner.keys()] }, 'broadcast-done');
    rounds.push(done);
    expected += n;
    const got = await pool.waitReceipts(expected, 30_000);
    ctx.log(`  broadcast ${r + 1}/${ctx.rounds}: ${got - expected + n}/${n} delivered (tx ${(done.committedAt - done.startedAt).toFixed(0)} ms)`);
    expected = got;
    await sleep(1_000);
  }
  const results = broadcastResults(rounds, await pool.take(), n);
  const times = results.map((r) => r.deliveredMs);
  ctx.log(`  broadcast to all ${n}: ${times.map((t) => t.toFixed(0)).join(' / ')} ms`);
  return { rounds: results, medianMs: median(times), maxMs: Math.max(...times) };
}

async function withProfile<T>(
  ctx: RunContext,
  target: Target,
  name: string,
  fn: () => Promise<T>,
): Promise<{ value: T; profile?: ReturnType<typeof summarizeProfile> }> {
  if (!ctx.profile) return { value: await fn() };
  await probe(target, '/profile/start');
  const value = await fn();
  const file = join(ctx.outDir, `${name}.cpuprofile`);
  await probe(target, `/profile/stop?file=${encodeURIComponent(file)}`);
  ctx.log(`  CPU profile → ${file}`);
  return { value, profile: summarizeProfile(file) };
}

async function snapshot(ctx: RunContext, target: Target, name: string): Promise<string | undefined> {
  if (!ctx.snapshot) return undefined;
  const file = join(ctx.outDir, `${name}.heapsnapshot`);
  await probe(target, `/snapshot?file=${encodeURIComponent(file)}`);
  return file;
}

function perStreamKB(a: MemSample, b: MemSample, n: number) {
  return {
    heapPerStreamKB: (b.heapUsed - a.heapUsed) / n / 1024,
    rssPerStreamKB: (b.rss - a.rss) / n / 1024,
    externalPerStreamKB: (b.external - a.external) / n / 1024,
  };
}

/** Runs the whole workload against one freshly started server. */
export async function runOne(ctx: RunContext, kind: TargetKind, n: number): Promise<RunResult> {
  const { specs, perOwner } = planStreams(ctx, n);
  const clients = ctx.clients ?? Math.max(1, Math.ceil(n / 4_000));
  const name = `${kind}-${n}`;
  await resetEventLog(ctx.dbUrl);
  ctx.log(`${name}: starting ${kind} server on 127.0.0.1:${ctx.port} (${perOwner.size} owners, ${clients} client processes)`);
  const target = await startTarget(kind, ctx.port, serverEnv(ctx, n), ctx.emptyAppDir);
  const pool = new ClientPool(clients);
  const pub = kind === 'empty' ? undefined : new Publisher(ctx.dbUrl, ctx.secret);
  try {
    await warmUp(target, specs[0]);
    const base = await memory(target);
    const baseSnap = await snapshot(ctx, target, `${name}-base`);
    ctx.log(`  idle: heap ${(base.heapUsed / 2 ** 20).toFixed(1)} MB, RSS ${(base.rss / 2 ** 20).toFixed(1)} MB; opening ${n} streams`);
    const profiles: Record<string, ReturnType<typeof summarizeProfile>> = {};
    const profiled = async <T>(phase: string, fn: () => Promise<T>): Promise<T> => {
      const r = await withProfile(ctx, target, `${name}-${phase}`, fn);
      if (r.profile) profiles[phase] = r.profile;
      return r.value;
    };
    const connect = await costed(ctx, target, n, () => profiled('connect', () => openAll(ctx, target, pool, specs, n)));
    await sleep(3_000);
    const loaded = await memory(target);
    const loadedSnap = await snapshot(ctx, target, `${name}-loaded`);
    const mem = perStreamKB(base, loaded, n);
    ctx.log(`  heap ${mem.heapPerStreamKB.toFixed(2)} KB/stream, RSS ${mem.rssPerStreamKB.toFixed(2)} KB/stream`);
    const measured: Pick<RunResult, 'steady' | 'broadcast'> = pub
      ? await profiled('events', async () => ({
          steady: await steadyPhase(ctx, target, pool, pub, perOwner),
          broadcast: await broadcastPhase(ctx, pool, pub, perOwner, n),
        }))
      : {};
    const storm = ctx.noStorm ? undefined : await costed(ctx, target, n, () => profiled('storm', () => stormPhase(ctx, pool, n, connect.status)));
    await sleep(2_000);
    const afterStorm = await memory(target);
    const heapDiff = baseSnap && loadedSnap ? diffSnapshots(baseSnap, loadedSnap, n) : undefined;
    const memory_ = { base, loaded, afterStorm, ...mem };
    return {
      transport: kind,
      n,
      owners: perOwner.size,
      clients,
      at: new Date().toISOString(),
      connect,
      memory: memory_,
      ...measured,
      storm,
      profiles: ctx.profile ? profiles : undefined,
      heapDiff,
    };
  } catch (err) {
    ctx.log(`  ${name} failed; last server output:\n${target.output.slice(-30).join('')}`);
    throw err;
  } finally {
    pub?.close();
    await pool.close();
    await target.stop();
  }
}

async function openAll(ctx: RunContext, target: Target, pool: ClientPool, specs: StreamSpec[], n: number): Promise<RunResult['connect']> {
  const progress = setInterval(
    () =>
      void pool
        .status()
        .then((s) => ctx.log(`  … ${s.live}/${n} live`))
        .catch(() => {}),
    5_000,
  );
  try {
    // The app's join ends with the metrics snapshot; only then are live events written without holding.
    const liveOn = target.kind === 'floor' || target.kind === 'floorb' || target.kind === 'empty' ? 'connected' : 'metrics_updated';
    const r = await pool.open(target.port, target.path, specs, 256, 600_000, liveOn);
    const perSecond = (n / r.ms) * 1000;
    ctx.log(`  ${r.status.live}/${n} live in ${(r.ms / 1000).toFixed(2)} s (${perSecond.toFixed(0)}/s)${errorText(r.status)}`);
    return { ms: r.ms, perSecond, status: r.status };
  } finally {
    clearInterval(progress);
  }
}

async function stormPhase(ctx: RunContext, pool: ClientPool, n: number, earlier: WorkerStatus): Promise<{ ms: number; status: WorkerStatus }> {
  ctx.log(`  reconnect storm: all ${n} clients drop and reconnect at once with Last-Event-ID`);
  const r = await pool.storm(600_000);
  for (const [k, v] of Object.entries(earlier.errors)) r.status.errors[k] = (r.status.errors[k] ?? 0) - v;
  r.status.drops -= earlier.drops;
  ctx.log(`  all ${r.status.live}/${n} live again in ${(r.ms / 1000).toFixed(2)} s${errorText(r.status)}`);
  return { ms: r.ms, status: r.status };
}

function errorText(s: WorkerStatus): string {
  const parts = Object.entries(s.errors)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}×${v}`);
  if (s.drops) parts.push(`drops×${s.drops}`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}
