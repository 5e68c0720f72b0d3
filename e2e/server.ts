/**
 * The app server the end-to-end suite runs against: built once into `.next-e2e` (never `.next`,
 * which other work uses), served by `next start` on a fresh embedded database per run, with a
 * fixed JWT secret and webhook secret (so tests can mint tokens and sign webhooks) and a 2 s
 * heartbeat. `startServer` is also used directly by the restart scenario, which needs a server
 * it can stop and start again on the same data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const DIST_DIR = '.next-e2e';
export const PORT = 3100;
export const JWT_SECRET = 'e2e-jwt-secret-0123456789abcdef0123456789abcdef';
export const STRIPE_WEBHOOK_SECRET = 'whsec_e2e_0123456789abcdef';
export const HEARTBEAT_MS = 2000;

/** One data directory per run (the config sets E2E_RUN_ID once; workers inherit it). */
export function runId(): string {
  return (process.env.E2E_RUN_ID ??= `${Date.now().toString(36)}-${process.pid}`);
}

/** The environment of an e2e server: PGlite (DATABASE_URL unset) in `pgliteDir`. */
export function serverEnv(pgliteDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_DIST_DIR: DIST_DIR,
    PGLITE_DIR: pgliteDir,
    JWT_SECRET,
    STRIPE_WEBHOOK_SECRET,
    WS_HEARTBEAT_INTERVAL: String(HEARTBEAT_MS),
    WS_RETRY_MS: '500',
    WS_DRAIN_MS: '500',
    SEED_DEMO_DATA: '1',
    PORT: String(port),
  };
  delete env.DATABASE_URL;
  return env;
}

const nextBin = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

/**
 * `next build` into `.next-e2e`. Next adds `.next-e2e/types` to tsconfig.json's `include` when it
 * builds into another directory; that edit is undone afterwards when it is the only change.
 */
export function buildApp(): void {
  const tsconfigPath = join(ROOT, 'tsconfig.json');
  const before = readFileSync(tsconfigPath, 'utf8');
  const r = spawnSync(process.execPath, [nextBin, 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...serverEnv('memory://', PORT), NODE_ENV: 'production' } });
  const after = readFileSync(tsconfigPath, 'utf8');
  if (after !== before && sameWithoutDistTypes(before, after)) writeFileSync(tsconfigPath, before);
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status})`);
}

function sameWithoutDistTypes(before: string, after: string): boolean {
  try {
    const a = JSON.parse(after) as { include?: string[] };
    a.include = a.include?.filter((p) => !p.startsWith(`${DIST_DIR}/`));
    return JSON.stringify(a) === JSON.stringify(JSON.parse(before));
  } catch {
    return false;
  }
}

/** Starts `next start` (or server.ts with E2E_TRANSPORT=node) and resolves once /api/health answers. */
export async function startServer(opts: { port: number; pgliteDir: string; log?: (line: string) => void }): Promise<ChildProcess> {
  mkdirSync(join(ROOT, opts.pgliteDir), { recursive: true });
  const args = process.env.E2E_TRANSPORT === 'node' ? ['--import', 'tsx', join(ROOT, 'server.ts')] : [nextBin, 'start', '-p', String(opts.port)];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: serverEnv(opts.pgliteDir, opts.port), stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.log ?? ((line: string) => process.stdout.write(`[e2e-server:${opts.port}] ${line}\n`));
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach(log));
  await waitForHealth(`http://127.0.0.1:${opts.port}/api/health`, child);
  return child;
}

/** Polls the health route until it answers 200 (the first start seeds the database). */
export async function waitForHealth(url: string, child?: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Stops a server and waits for its exit (SIGKILL after `graceMs`). */
export async function stopServer(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
