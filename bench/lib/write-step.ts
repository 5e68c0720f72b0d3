/**
 * One step of the write bench: one kind of write at one fixed rate against one server, with
 * what it cost. Around the open-loop load it reads the machine (/proc) and the bench database's
 * counters, collects every delivery of the written bookings to the owners' streams, and reports
 * achieved writes/s, request latency, request → frame latency, CPU and database work per write,
 * and whether the step saturated the server (achieved < 90 % of offered, or request p99 > 2 s).
 */
import { loadavg } from 'node:os';
import type { ClientPool } from './clients';
import { perWrite, type DbCounterReader, type DbPerWrite } from './db-counters';
import { sampleCpu, splitCpu, treeCpuMs, type CpuSplit } from './proc-cpu';
import { percentiles, sleep, type Percentiles } from './stats';
import type { WriteClient, WriteKind, WriteOutcome } from './write-load';
import type { WriteTarget } from './write-targets';

/** Saturation: achieved below this share of the offered rate … */
export const MIN_ACHIEVED = 0.9;
/** … or request p99 above this, ms. */
export const MAX_P99_MS = 2_000;

/** What a step needs: the server, the load generator, the streams (none when N = 0), the counters. */
export interface StepContext {
  target: WriteTarget;
  client: WriteClient;
  pool?: ClientPool;
  /** Streams held per owner. */
  perOwner: Map<number, number>;
  counters: DbCounterReader;
  n: number;
  owners: number;
  seconds: number;
  /** Quiet time before the closing counter reading (≥ 11 s for exact database counters). */
  settleMs: number;
  drainMs: number;
  /** The server's CPU with no writes (poller, heartbeats), % of a core. */
  idleServerPct: number;
  log: (m: string) => void;
}

/** Everything one step measured. */
export interface StepResult {
  target: WriteTarget['kind'];
  n: number;
  owners: number;
  kind: WriteKind;
  rate: number;
  seconds: number;
  at: string;
  sent: number;
  ok: number;
  /** Failed requests by HTTP status (`0`: socket error or cut at the drain deadline). */
  errors: Record<string, number>;
  achieved: number;
  /** Request latency from the moment it was due, ms. */
  post: Percentiles;
  /** Due → frame at a client, over every delivery (every stream of the owner); absent when N = 0. */
  delivery?: Percentiles & { expected: number };
  serverCpuMsPerWrite: number;
  /** The same less the server's idle CPU over the step (its background work, not caused by the writes). */
  serverCpuMsPerWriteNet: number;
  idleServerPct: number;
  postgresCpuMsPerWrite: number;
  cpu: CpuSplit;
  db: DbPerWrite;
  loadAvg: number[];
  generatorLateMs: number;
  saturated: boolean;
}

/** Due → receipt latencies of the receipts (ownerId, bookingId, at triples) that match a successful write. */
function deliveryLatencies(outcomes: WriteOutcome[], receipts: number[]): number[] {
  const due = new Map<number, number>();
  for (const o of outcomes) if (o.status >= 200 && o.status < 300) due.set(o.bookingId, o.dueAt);
  const out: number[] = [];
  for (let i = 0; i < receipts.length; i += 3) {
    const d = due.get(receipts[i + 1]);
    if (d !== undefined) out.push(receipts[i + 2] - d);
  }
  return out;
}

/** Successful writes per second over the time they took (at least the step's length). */
function achievedRate(outcomes: WriteOutcome[], startedAt: number, seconds: number): { ok: number; rate: number; errors: Record<string, number> } {
  let ok = 0;
  let lastDone = startedAt;
  const errors: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.status >= 200 && o.status < 300) {
      ok++;
      lastDone = Math.max(lastDone, o.doneAt);
    } else errors[o.status] = (errors[o.status] ?? 0) + 1;
  }
  return { ok, rate: ok / Math.max(seconds, (lastDone - startedAt) / 1000), errors };
}

/** Waits for the deliveries of the successful writes (every stream of their owners) and summarizes their latency. */
async function deliveries(ctx: StepContext, outcomes: WriteOutcome[]): Promise<StepResult['delivery']> {
  if (!ctx.pool) return undefined;
  let expected = 0;
  for (const o of outcomes) if (o.status >= 200 && o.status < 300) expected += ctx.perOwner.get(o.ownerId) ?? 0;
  await ctx.pool.waitReceipts(expected, 15_000);
  return { ...percentiles(deliveryLatencies(outcomes, await ctx.pool.take())), expected };
}

/** Runs `kind` at `rate`/s and measures it. */
export async function runStep(ctx: StepContext, kind: WriteKind, rate: number): Promise<StepResult> {
  await ctx.pool?.take();
  const pids = await ctx.counters.backendPids();
  const db0 = await ctx.counters.read();
  const cpu0 = sampleCpu();
  const load = await ctx.client.run(kind, rate, ctx.seconds, ctx.drainMs);
  const { ok, rate: achieved, errors } = achievedRate(load.outcomes, load.startedAt, ctx.seconds);
  const delivery = await deliveries(ctx, load.outcomes);
  const pidsAfter = await ctx.counters.backendPids();
  const cpu1 = sampleCpu();
  await sleep(ctx.settleMs);
  const db = perWrite(db0, await ctx.counters.read(), ok);
  const cpu = splitCpu(cpu0, cpu1, ctx.target.proc.pid!, [...new Set([...pids, ...pidsAfter])]);
  const perWriteMs = (pct: number) => (ok ? (pct * (cpu1.at - cpu0.at)) / 100 / ok : 0);
  const post = percentiles(load.outcomes.map((o) => o.doneAt - o.dueAt));
  return {
    ...{ target: ctx.target.kind, n: ctx.n, owners: ctx.owners, kind, rate, seconds: ctx.seconds, at: new Date().toISOString() },
    ...{ sent: load.outcomes.length, ok, errors, achieved, post, delivery },
    serverCpuMsPerWrite: perWriteMs(cpu.serverPct),
    serverCpuMsPerWriteNet: perWriteMs(Math.max(0, cpu.serverPct - ctx.idleServerPct)),
    idleServerPct: ctx.idleServerPct,
    postgresCpuMsPerWrite: perWriteMs(cpu.postgresPct),
    ...{ cpu, db, loadAvg: loadavg(), generatorLateMs: load.lateMs },
    saturated: achieved < MIN_ACHIEVED * rate || post.p99 > MAX_P99_MS,
  };
}

/** The server's CPU over `ms` of the current activity, % of a core. */
export async function serverCpuPct(target: WriteTarget, ms: number): Promise<number> {
  const a = sampleCpu();
  await sleep(ms);
  const b = sampleCpu();
  return (100 * (treeCpuMs(b, target.proc.pid!) - treeCpuMs(a, target.proc.pid!))) / (b.at - a.at);
}

/** Waits until the server's process tree uses under 15 % of a core over a second (at most `maxMs`). */
export async function waitQuiet(target: WriteTarget, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) if ((await serverCpuPct(target, 1_000)) < 15) return;
}
