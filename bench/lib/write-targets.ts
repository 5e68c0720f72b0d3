/**
 * The write bench's servers: `node` (server.ts, the Node stream transport) and `route` (`next
 * start`, the route-handler transport) started exactly as the stream bench starts them
 * (bench/lib/targets.ts, over the `.next-bench` build), and `floor`, bench/write-floor.ts,
 * through the same launcher (test/support/servers.ts).
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { launch, tail, type Launched } from '../../test/support/servers';
import { root, startTarget } from './targets';

/** A server the write bench measures (`old`: server.ts of the `BENCH_OLD_ROOT` checkout, see bench/lib/targets.ts). */
export type WriteTargetKind = 'node' | 'route' | 'floor' | 'old';
export const WRITE_TARGETS: WriteTargetKind[] = ['node', 'route', 'floor', 'old'];
/** What a run measures unless told (`old` needs a second checkout). */
export const DEFAULT_WRITE_TARGETS: WriteTargetKind[] = ['node', 'route', 'floor'];

/** A running server: its process (for /proc CPU), port, stream path, and how the client knows a stream is live. */
export interface WriteTarget extends Launched {
  kind: WriteTargetKind;
  port: number;
  path: string;
  liveOn: 'connected' | 'metrics_updated';
}

/** What every server gets: the bench database, the secrets, stream caps above the bench's N, no drain wait. */
export interface WriteEnv {
  dbUrl: string;
  jwtSecret: string;
  webhookSecret: string;
  /** Streams the run opens. */
  n: number;
}

function env(e: WriteEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: e.dbUrl,
    JWT_SECRET: e.jwtSecret,
    STRIPE_WEBHOOK_SECRET: e.webhookSecret,
    WS_MAX_CONNECTIONS: String(2 * e.n + 100),
    WS_MAX_CONNECTIONS_PER_OWNER: String(e.n + 100),
    WS_DRAIN_MS: '0',
    SEED_DEMO_DATA: '0',
  };
}

/** True when nothing listens on 127.0.0.1:`port`. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => probe.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}

/**
 * The first port from `from` on (up to 40 further) that is free, with its probe port (+50) free
 * too: another server on the bench's port would answer the health check in its place.
 */
export async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 40; port++) if ((await isFree(port)) && (await isFree(port + 50))) return port;
  throw new Error(`no free port in ${from}–${from + 39}`);
}

/** Throws with the server's last output when it is no longer running. */
export function assertRunning(target: WriteTarget): void {
  if (target.proc.exitCode === null && target.proc.signalCode === null) return;
  throw new Error(`${target.kind} exited (${target.proc.exitCode ?? target.proc.signalCode}); its last output:\n${tail(target.output)}`);
}

/** Starts `kind` on `port` (which must be free) and resolves once it answers its health path. */
export async function startWriteTarget(kind: WriteTargetKind, port: number, e: WriteEnv): Promise<WriteTarget> {
  if (kind !== 'floor') {
    const t = await startTarget(kind, port, env(e));
    return Object.assign(t, { kind, liveOn: 'metrics_updated' as const });
  }
  const server = await launch({
    args: ['--import', 'tsx', join(root, 'bench', 'write-floor.ts')],
    env: { ...env(e), NODE_ENV: 'production', PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/health`,
    readyTimeoutMs: 60_000,
    graceMs: 10_000,
    keepChunks: 200,
    name: 'write-floor',
  });
  return Object.assign(server, { kind, port, path: '/api/ws', liveOn: 'connected' as const });
}
