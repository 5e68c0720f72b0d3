/**
 * The write bench's servers: `node` (server.ts, the Node stream transport) and `route` (`next
 * start`, the route-handler transport) started exactly as the stream bench starts them
 * (bench/lib/targets.ts, over the `.next-bench` build), and `floor`, bench/write-floor.ts,
 * through the same launcher (test/support/servers.ts).
 */
import { join } from 'node:path';
import { launch, type Launched } from '../../test/support/servers';
import { root, startTarget } from './targets';

/** A server the write bench measures. */
export type WriteTargetKind = 'node' | 'route' | 'floor';
export const WRITE_TARGETS: WriteTargetKind[] = ['node', 'route', 'floor'];

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

/** Starts `kind` on `port` and resolves once it answers its health path. */
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
