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
 *
 * `BENCH_TRACE_GC=1` runs the server with `--trace-gc` and appends its stdout to bench/out/<kind>-server.log.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './stats';

export type TargetKind = 'node' | 'route' | 'floor' | 'floorb' | 'empty' | 'proto' | 'nopoll';

/** The build directory of the bench (never `.next`, `.next-e2e` or `.next-test`). */
export const BENCH_DIST_DIR = '.next-bench';

export const root = join(import.meta.dirname, '..', '..');
const nextBin = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

/** A running server under test. */
export interface Target {
  kind: TargetKind;
  port: number;
  probePort: number;
  /** The stream path clients open. */
  path: string;
  proc: ChildProcess;
  output: string[];
  stop(): Promise<void>;
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

/**
 * `next build` into the bench dist dir through scripts/start.mjs (it rebuilds only when the
 * sources are newer). Next adds the dist dir's types to tsconfig.json's `include` when they are not
 * listed; lines it added are taken out again, since tsconfig.json is not the bench's file.
 */
export function buildApp(env: NodeJS.ProcessEnv): void {
  const listedBefore = readFileSync(join(root, 'tsconfig.json'), 'utf8').includes(`"${BENCH_DIST_DIR}/`);
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'start.mjs'), '--build-only'], {
    cwd: root,
    env: { ...env, NEXT_DIST_DIR: BENCH_DIST_DIR },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!listedBefore) restoreTsconfig();
  if (r.status !== 0) throw new Error(`next build into ${BENCH_DIST_DIR} failed (${r.status})`);
}

/** Removes the `.next-bench/…` include lines `next build` adds to tsconfig.json, if any. */
export function restoreTsconfig(): void {
  const file = join(root, 'tsconfig.json');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(`${BENCH_DIST_DIR}/`)) return;
  const kept = text.split('\n').filter((l) => !l.includes(`"${BENCH_DIST_DIR}/`));
  // The line before the closing bracket must not keep a trailing comma.
  const fixed = kept.join('\n').replace(/,(\s*\n\s*\])/g, '$1');
  writeFileSync(file, fixed);
}

function command(kind: TargetKind, port: number, emptyAppDir: string): string[] {
  const heap = ['--expose-gc', '--max-old-space-size=6144', ...(process.env.BENCH_TRACE_GC === '1' ? ['--trace-gc'] : [])];
  switch (kind) {
    case 'node':
      return [...heap, '--import', 'tsx', join(root, 'server.ts')];
    case 'route':
      return [...heap, nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'];
    case 'floor':
    case 'floorb':
      return [...heap, '--import', 'tsx', join(root, 'bench', 'floor-server.ts')];
    case 'proto':
    case 'nopoll':
      return [...heap, '--import', 'tsx', join(root, 'bench', 'proto', 'server-backlog.ts')];
    case 'empty':
      return [...heap, nextBin, 'start', emptyAppDir, '-p', String(port), '-H', '127.0.0.1'];
  }
}

const READY_PATH: Record<TargetKind, string> = { node: '/api/health', route: '/api/health', floor: '/health', floorb: '/health', empty: '/api/health', proto: '/api/health', nopoll: '/api/health' };

/** Starts a server under test and resolves once it answers its health path. */
export async function startTarget(kind: TargetKind, port: number, env: NodeJS.ProcessEnv, emptyAppDir = ''): Promise<Target> {
  const probePort = port + 50;
  const output: string[] = [];
  const proc = spawn(process.execPath, command(kind, port, emptyAppDir), {
    cwd: root,
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    output.push(String(d));
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  proc.stdout!.on('data', keep);
  if (process.env.BENCH_TRACE_GC === '1') proc.stdout!.on('data', (d: Buffer) => appendFileSync(join(root, 'bench', 'out', `${kind}-server.log`), d));
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitReady(proc, `http://127.0.0.1:${port}${READY_PATH[kind]}`, output);
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };
  const path = kind === 'empty' ? '/api/hold' : '/api/ws';
  return { kind, port, probePort, path, proc, output, stop };
}

async function waitReady(proc: ChildProcess, url: string, output: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}):\n${output.join('')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not get ready at ${url}:\n${output.join('')}`);
    }
    await sleep(250);
  }
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
