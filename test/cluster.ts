/**
 * Real server instances for scale-out tests: `server.ts` (what `npm start` runs) in child
 * processes on one PostgreSQL, over a build in `.next-test` made once when missing or stale.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
export const TEST_DIST_DIR = '.next-test';

/**
 * Builds the app into `.next-test` if that build is missing or older than the sources. Test files
 * run in parallel workers, so a lock directory (mkdir is atomic) keeps two from building at once.
 */
export function ensureBuild(): void {
  const lock = join(root, `${TEST_DIST_DIR}.lock`);
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
    build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(): void {
  const r = spawnSync(process.execPath, [join(root, 'scripts/start.mjs'), '--build-only'], {
    cwd: root,
    env: { ...process.env, NEXT_DIST_DIR: TEST_DIST_DIR, JWT_SECRET: process.env.JWT_SECRET ?? 'build' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`next build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Instance {
  port: number;
  url: string;
  proc: ChildProcess;
  output: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies without draining. */
  kill(): Promise<void>;
}

/**
 * Starts `server.ts` on `port` with `env` added; resolves once `/api/health` answers 200. With
 * `WS_TRANSPORT=route` in `env` it starts plain `next start` instead, as `npm start` does (the
 * route-handler transport).
 */
export async function startInstance(port: number, env: Record<string, string> = {}): Promise<Instance> {
  const output: string[] = [];
  const args =
    env.WS_TRANSPORT === 'route'
      ? [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1']
      : ['--import', 'tsx', join(root, 'server.ts')];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', NEXT_DIST_DIR: TEST_DIST_DIR, PORT: String(port), HOSTNAME: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`instance on ${port} exited:\n${output.join('')}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`instance on ${port} did not start:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return { port, url, proc, output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
