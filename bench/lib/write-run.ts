/**
 * One server × one stream count of the write bench: fresh bookings and event log, the server
 * started, N streams opened over M owners (every stream joined), a short unmeasured warm-up of
 * each write (lazy route code, pools, caches), then for each kind of write the rate ladder, step
 * after step, until a step saturates; then everything it started is stopped.
 */
import { ClientPool } from './clients';
import { DbCounterReader } from './db-counters';
import type { StreamSpec } from './protocol';
import { tail } from '../../test/support/servers';
import type { WriteOwner, WriteWorld } from './write-db';
import { resetRun } from './write-db';
import { WriteClient, type WriteKind } from './write-load';
import { runStep, serverCpuPct, waitQuiet, type StepContext, type StepResult } from './write-step';
import { assertRunning, freePort, startWriteTarget, type WriteTarget, type WriteTargetKind } from './write-targets';

/** Settings of one bench invocation. */
export interface WriteRunContext {
  dbUrl: string;
  world: WriteWorld;
  tokens: { owners: Map<number, string>; renters: Map<number, string> };
  jwtSecret: string;
  webhookSecret: string;
  /** The first port tried (the first free one from there is used). */
  port: number;
  /** Owners the streams and writes are spread over (M). */
  owners: number;
  rates: number[];
  kinds: WriteKind[];
  seconds: number;
  settleMs: number;
  drainMs: number;
  log: (m: string) => void;
  /** Called with every step as soon as it is measured. */
  onStep: (r: StepResult) => void;
}

const WARM_RATE = 20;
const WARM_SECONDS = 2;

/** N streams over the owners in rotation, and how many each owner holds. */
function planStreams(owners: WriteOwner[], tokens: Map<number, string>, n: number): { specs: StreamSpec[]; perOwner: Map<number, number> } {
  const perOwner = new Map<number, number>();
  const specs: StreamSpec[] = [];
  for (let i = 0; i < n; i++) {
    const { ownerId } = owners[i % owners.length];
    perOwner.set(ownerId, (perOwner.get(ownerId) ?? 0) + 1);
    specs.push({ ownerId, token: tokens.get(ownerId)! });
  }
  return { specs, perOwner };
}

/** Pending bookings each owner needs for the whole ladder of one kind, warm-up included, with room to spare. */
function poolPerOwner(ctx: WriteRunContext): number {
  const writes = ctx.rates.reduce((sum, r) => sum + r * ctx.seconds, WARM_RATE * WARM_SECONDS);
  return Math.ceil((writes / ctx.owners) * 1.1) + 5;
}

/** Opens the streams (joined: `metrics_updated` for the app, `connected` for the floor). */
async function openStreams(ctx: WriteRunContext, target: WriteTarget, specs: StreamSpec[]): Promise<ClientPool | undefined> {
  if (specs.length === 0) return undefined;
  const pool = new ClientPool(Math.ceil(specs.length / 4_000));
  const live = await pool.open(target.port, target.path, specs, 256, 300_000, target.liveOn, 'booking');
  ctx.log(`  ${live.status.live}/${specs.length} streams joined in ${(live.ms / 1000).toFixed(1)} s (errors ${JSON.stringify(live.status.errors)})`);
  return pool;
}

/** Sends each kind for a moment, unmeasured; throws with the server's output when nothing succeeds. */
async function warmUp(ctx: WriteRunContext, target: WriteTarget, client: WriteClient): Promise<void> {
  for (const kind of ctx.kinds) {
    const { outcomes } = await client.run(kind, WARM_RATE, WARM_SECONDS, 30_000);
    const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300).length;
    if (ok === 0)
      throw new Error(
        `${target.kind}: no ${kind} succeeded in the warm-up (statuses ${[...new Set(outcomes.map((o) => o.status))].join(', ')}; first answer ${outcomes[0]?.error}); server output:\n${tail(target.output)}`,
      );
  }
}

/** Each kind's ladder, step after step, until a step saturates. */
async function ladders(ctx: WriteRunContext, step: StepContext): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (const kind of ctx.kinds) {
    for (const rate of ctx.rates) {
      const r = await runStep(step, kind, rate);
      assertRunning(step.target); // a server that died mid-step leaves no result
      steps.push(r);
      ctx.onStep(r);
      await waitQuiet(step.target);
      if (r.saturated) break;
    }
  }
  return steps;
}

/** Runs every kind's ladder against `kind` with `n` streams; returns the steps. */
export async function runTarget(ctx: WriteRunContext, kind: WriteTargetKind, n: number): Promise<StepResult[]> {
  const owners = ctx.world.owners.slice(0, ctx.owners);
  const pools = await resetRun(ctx.dbUrl, poolPerOwner(ctx));
  ctx.log(`${kind}, N = ${n} over ${owners.length} owners: starting`);
  const port = await freePort(ctx.port);
  const target = await startWriteTarget(kind, port, { dbUrl: ctx.dbUrl, jwtSecret: ctx.jwtSecret, webhookSecret: ctx.webhookSecret, n });
  const client = new WriteClient(port, owners, ctx.tokens, pools, ctx.webhookSecret);
  const counters = new DbCounterReader(ctx.dbUrl);
  let pool: ClientPool | undefined;
  try {
    const { specs, perOwner } = planStreams(owners, ctx.tokens.owners, n);
    pool = await openStreams(ctx, target, specs);
    await warmUp(ctx, target, client);
    await waitQuiet(target);
    const idleServerPct = await serverCpuPct(target, 5_000);
    ctx.log(`  idle server CPU ${idleServerPct.toFixed(1)} % of a core`);
    const { seconds, settleMs, drainMs, log } = ctx;
    return await ladders(ctx, { target, client, pool, perOwner, counters, n, owners: owners.length, seconds, settleMs, drainMs, idleServerPct, log });
  } finally {
    await pool?.close();
    client.close();
    await counters.close();
    await target.stop();
  }
}
