/**
 * The servers under test: how the stream bench builds and starts them, waits for them, reads
 * their memory through the in-process probe (bench/heap-probe.cjs) and stops them.
 *
 * - `node`:  server.ts (what `npm start` runs): Next for everything, `GET /api/ws` on the Node transport.
 * - `route`: `next start` (what `WS_TRANSPORT=route npm start` runs): `GET /api/ws` as a route handler.
 * - `floor`: bench/floor-server.ts, a raw `node:http` SSE server (the floor).
 * - `floorb`: the floor with batched log reads (FLOOR_BATCH_READS=1, a prototype of a fan-in fix).
 * - `empty`: a Next app whose only route holds a `ReadableStream` (Next's own per-stream floor).
 * - `proto`: bench/proto/server-backlog.ts, now server.ts itself (its larger backlog was adopted).
 * - `nopoll`: the same copy with the default backlog and the metrics poller stopped (diagnosis).
 * - `old`:   server.ts of another checkout (`BENCH_OLD_ROOT`, its own `.next-bench` build and
 *            node_modules): the old build measured beside the new one in the same run.
 *
 * `BENCH_TRACE_GC=1` runs the server with `--trace-gc` and appends its stdout to bench/out/<kind>-server.log.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp as build, launch, NEXT_BIN, ROOT, SERVER_TS, type Launched } from '../../test/support/servers';

export type TargetKind = 'node' | 'route' | 'floor' | 'floorb' | 'empty' | 'proto' | 'nopoll' | 'old';

/** The build directory of the bench (never `.next`, `.next-e2e` or `.next-test`). */
export const BENCH_DIST_DIR = '.next-bench';

export const root = ROOT;

/** A running server under test (`stop()`: SIGTERM, SIGKILL after 15 s). */
export interface Target extends Launched {
  kind: TargetKind;
  port: number;
  probePort: number;
  /** The stream path clients open. */
  path: string;
}

/** What the probe's `/mem` answers. */
export interface MemSample {
  pid: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** CPU time the process has used (user + system), ms. */
  cpuMs: number;
  /** When sampled, ms since the epoch. */
  t: number;
}

/** The old build's checkout (`BENCH_OLD_ROOT`); throws when a run asks for `old` without it. */
export function oldRoot(): string {
  const dir = process.env.BENCH_OLD_ROOT;
  if (!dir) throw new Error('target old needs BENCH_OLD_ROOT: a checkout of the old commit with its node_modules installed');
  return dir;
}

/**
 * `next build` into the bench dist dir through scripts/start.mjs (it rebuilds only when the sources
 * are newer), and the old checkout's own when `old` is among the targets.
 */
export function buildApp(env: NodeJS.ProcessEnv, kinds: readonly string[] = []): void {
  build(BENCH_DIST_DIR, env);
  if (kinds.includes('old')) build(BENCH_DIST_DIR, env, { root: oldRoot() });
}

function command(kind: TargetKind, port: number, emptyAppDir: string): string[] {
  const heap = [
    '--expose-gc',
    '--max-old-space-size=6144',
    ...(process.env.BENCH_TRACE_GC === '1' ? ['--trace-gc'] : []),
    // BENCH_CPU_PROF=dir: a V8 CPU profile of each server, written there when it exits.
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  ];
  switch (kind) {
    case 'node':
      return [...heap, ...SERVER_TS];
    case 'old':
      return [...heap, '--import', 'tsx', join(oldRoot(), 'server.ts')];
    case 'route':
      return [...heap, NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'];
    case 'floor':
    case 'floorb':
      return [...heap, '--import', 'tsx', join(root, 'bench', 'floor-server.ts')];
    case 'proto':
    case 'nopoll':
      return [...heap, '--import', 'tsx', join(root, 'bench', 'proto', 'server-backlog.ts')];
    case 'empty':
      return [...heap, NEXT_BIN, 'start', emptyAppDir, '-p', String(port), '-H', '127.0.0.1'];
  }
}

const READY_PATH: Record<TargetKind, string> = {
  node: '/api/health',
  route: '/api/health',
  floor: '/health',
  floorb: '/health',
  empty: '/api/health',
  proto: '/api/health',
  nopoll: '/api/health',
  old: '/api/health',
};

/** Starts a server under test and resolves once it answers its health path. */
export async function startTarget(kind: TargetKind, port: number, env: NodeJS.ProcessEnv, emptyAppDir = ''): Promise<Target> {
  const probePort = port + 50;
  const traceLog = join(root, 'bench', 'out', `${kind}-server.log`);
  const server = await launch({
    args: command(kind, port, emptyAppDir),
    env: {
      ...env,
      NODE_ENV: 'production',
      NEXT_DIST_DIR: BENCH_DIST_DIR,
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      BENCH_PROBE_PORT: String(probePort),
      FLOOR_BATCH_READS: kind === 'floorb' ? '1' : '0',
      BENCH_NO_POLLER: kind === 'nopoll' ? '1' : '0',
      BENCH_BACKLOG: kind === 'nopoll' ? '511' : '4096',
      NODE_OPTIONS: `--require ${join(root, 'bench', 'heap-probe.cjs')}`,
    },
    readyUrl: `http://127.0.0.1:${port}${READY_PATH[kind]}`,
    readyTimeoutMs: 120_000,
    graceMs: 15_000,
    keepChunks: 400,
    onOutput: (chunk, stream) => {
      if (process.env.BENCH_TRACE_GC === '1' && stream === 'stdout') appendFileSync(traceLog, chunk);
    },
    name: kind,
    cwd: kind === 'old' ? oldRoot() : undefined,
  });
  return Object.assign(server, { kind, port, probePort, path: kind === 'empty' ? '/api/hold' : '/api/ws' });
}

/** Calls the in-process probe of a target. */
export async function probe<T = unknown>(target: Target, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${target.probePort}${path}`);
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`probe ${path}: ${body.error}`);
  return body;
}

/** Forced-GC memory sample of a target. */
export const memory = (target: Target): Promise<MemSample> => probe<MemSample>(target, '/mem');
