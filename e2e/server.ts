/**
 * The app server the end-to-end suite runs against: built once into `.next-e2e` (never `.next`,
 * which other work uses), served by `next start` on a fresh embedded database per run, with a
 * fixed JWT secret and webhook secret (so tests can mint tokens and sign webhooks) and a 2 s
 * heartbeat. `startServer` is also used directly by the restart scenario, which needs a server
 * it can stop and start again on the same data directory. Building, spawning, waiting and stopping
 * are test/support/servers.ts's; what is e2e's own is here.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp as build, launch, NEXT_BIN, ROOT, SERVER_TS, type Launched } from '../test/support/servers';

export { ROOT };
export const DIST_DIR = '.next-e2e';
/** 3100 unless E2E_PORT says otherwise (two suites on one machine, e.g. two worktrees). */
export const PORT = Number(process.env.E2E_PORT ?? 3100);
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

/** `next build` into `.next-e2e`, every time (the shared build step; tsconfig.json is left as it was). */
export function buildApp(): void {
  build(DIST_DIR, serverEnv('memory://', PORT), { force: true });
}

/**
 * Starts `next start` (or server.ts with E2E_TRANSPORT=node) and resolves once /api/health answers
 * (the first start seeds the database, hence the 2 minutes). `stop()` sends SIGTERM, SIGKILL after 5 s.
 */
export async function startServer(opts: { port: number; pgliteDir: string; log?: (line: string) => void; env?: Record<string, string> }): Promise<Launched> {
  mkdirSync(join(ROOT, opts.pgliteDir), { recursive: true });
  const log = opts.log ?? ((line: string) => process.stdout.write(`[e2e-server:${opts.port}] ${line}\n`));
  return launch({
    args: process.env.E2E_TRANSPORT === 'node' ? SERVER_TS : [NEXT_BIN, 'start', '-p', String(opts.port)],
    env: { ...serverEnv(opts.pgliteDir, opts.port), ...opts.env },
    readyUrl: `http://127.0.0.1:${opts.port}/api/health`,
    readyTimeoutMs: 120_000,
    graceMs: 5_000,
    onOutput: (chunk) => chunk.split('\n').filter(Boolean).forEach(log),
  });
}
