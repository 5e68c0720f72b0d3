/**
 * Real server processes, for the scale-out and fault tests, the e2e suite and the benches: one
 * build step (`buildApp`, into a dist dir of the caller's own) and one launcher (`launch`: spawn
 * with an environment, wait for a health URL within a deadline, stop with SIGTERM then SIGKILL).
 * `startInstance` is the tests' use of it: `server.ts` (what `npm start` runs) over `.next-test`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** Next's CLI, for `next build` and `next start`. */
export const NEXT_BIN = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
/** Node arguments that run `server.ts` (Next plus the Node stream transport). */
export const SERVER_TS = ['--import', 'tsx', join(ROOT, 'server.ts')];
export const TEST_DIST_DIR = '.next-test';

/**
 * Builds the app into `distDir`. By default through `scripts/start.mjs --build-only`, which
 * rebuilds only when the build is missing or older than the sources; `force` runs `next build`
 * whatever the state. `quiet` keeps the build's output for the error instead of printing it;
 * `root` builds another checkout (the benches' old build).
 * Next adds `<distDir>/types` to tsconfig.json's `include` when it is not listed; that edit is
 * undone when it is the only change, since tsconfig.json is not the caller's file.
 */
export function buildApp(distDir: string, env: NodeJS.ProcessEnv = process.env, opts: { force?: boolean; quiet?: boolean; root?: string } = {}): void {
  const root = opts.root ?? ROOT;
  const tsconfigPath = join(root, 'tsconfig.json');
  const before = readFileSync(tsconfigPath, 'utf8');
  const args = opts.force ? [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'] : [join(root, 'scripts', 'start.mjs'), '--build-only'];
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...env, NEXT_DIST_DIR: distDir },
    encoding: 'utf8',
    stdio: opts.quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'],
  });
  const after = readFileSync(tsconfigPath, 'utf8');
  if (after !== before && sameWithoutDistTypes(before, after, distDir)) writeFileSync(tsconfigPath, before);
  if (r.status !== 0) throw new Error(`next build into ${distDir} failed (exit ${r.status})${opts.quiet ? `:\n${r.stdout}\n${r.stderr}` : ''}`);
}

function sameWithoutDistTypes(before: string, after: string, distDir: string): boolean {
  try {
    const a = JSON.parse(after) as { include?: string[] };
    a.include = a.include?.filter((p) => !p.startsWith(`${distDir}/`));
    return JSON.stringify(a) === JSON.stringify(JSON.parse(before));
  } catch {
    return false;
  }
}

/**
 * Builds into `.next-test` if that build is missing or older than the sources. Test files run in
 * parallel workers, so a lock directory (mkdir is atomic) keeps two from building at once.
 */
export function ensureBuild(): void {
  const lock = join(ROOT, `${TEST_DIST_DIR}.lock`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 10 minutes belongs to a dead run.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited too long for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    buildApp(TEST_DIST_DIR, { ...process.env, JWT_SECRET: process.env.JWT_SECRET ?? 'build' }, { quiet: true });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface LaunchOptions {
  /** What `node` runs: script and arguments (default `server.ts` through tsx). */
  args?: string[];
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Polled until it answers 2xx. */
  readyUrl: string;
  /** How long the server may take to answer `readyUrl`, ms (default 60 s). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL, ms (default 30 s). */
  graceMs?: number;
  /** Output chunks kept in `output`, the newest (default: all). */
  keepChunks?: number;
  /** Called with every chunk the server prints, besides keeping it. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Named in errors (default: the ready URL's host). */
  name?: string;
  /** Working directory (default: the repository root; the benches' old build runs in its own checkout). */
  cwd?: string;
}

/** A running server process. */
export interface Launched {
  proc: ChildProcess;
  /** What it printed (stdout and stderr, in order), or the newest `keepChunks` of it. */
  output: string[];
  /** SIGTERM, SIGKILL after the grace period; resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies without draining; resolves once it exited. */
  kill(): Promise<void>;
}

/** Lines of output quoted when a server fails to start. */
const TAIL_LINES = 60;

/** The last `TAIL_LINES` lines of `output`. */
export const tail = (output: string[]): string => output.join('').split('\n').slice(-TAIL_LINES).join('\n');

/** Spawns `node <args>` in the repository root and resolves once `readyUrl` answers 2xx. */
export async function launch(opts: LaunchOptions): Promise<Launched> {
  const name = opts.name ?? new URL(opts.readyUrl).host;
  const proc = spawn(process.execPath, opts.args ?? SERVER_TS, { cwd: opts.cwd ?? ROOT, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    proc[stream]!.on('data', (d: Buffer) => {
      const chunk = String(d);
      output.push(chunk);
      if (opts.keepChunks !== undefined && output.length > opts.keepChunks) output.splice(0, output.length - opts.keepChunks);
      opts.onOutput?.(chunk, stream);
    });
  }
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const end = async (signal: NodeJS.Signals, graceMs?: number) => {
    if (running()) proc.kill(signal);
    const killer = graceMs === undefined ? undefined : setTimeout(() => running() && proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };
  const server: Launched = { proc, output, stop: () => end('SIGTERM', opts.graceMs ?? 30_000), kill: () => end('SIGKILL') };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running())
      throw new Error(`server ${name} exited (${proc.exitCode ?? proc.signalCode}) before ${opts.readyUrl} answered; its last output:\n${tail(output)}`);
    try {
      if ((await fetch(opts.readyUrl)).ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`server ${name}: ${opts.readyUrl} did not answer within ${timeoutMs} ms; its last output:\n${tail(output)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Instance extends Launched {
  port: number;
  url: string;
}

/**
 * Starts `server.ts` over `.next-test` on `port` with `env` added; resolves once `/api/health`
 * answers 200. With `WS_TRANSPORT=route` in `env` it starts plain `next start` instead, as
 * `npm start` does (the route-handler transport).
 */
export async function startInstance(port: number, env: Record<string, string> = {}): Promise<Instance> {
  const url = `http://127.0.0.1:${port}`;
  const server = await launch({
    args: env.WS_TRANSPORT === 'route' ? [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'] : undefined,
    env: { ...process.env, NODE_ENV: 'production', NEXT_DIST_DIR: TEST_DIST_DIR, PORT: String(port), HOSTNAME: '127.0.0.1', ...env },
    readyUrl: `${url}/api/health`,
  });
  return { ...server, port, url };
}
