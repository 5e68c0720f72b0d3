/**
 * BENCH PROTOTYPE (not used by the app): a copy of server.ts with two switches, one change at a time:
 * - `BENCH_BACKLOG` (default 4096 instead of Node's 511): the listen backlog, to measure what a
 *   larger accept queue does to a reconnect storm (`npm run bench:stream -- --transport proto`);
 * - `BENCH_NO_POLLER=1`: stops the metrics poller once the hub is up, to measure what the poller's
 *   per-event recomputation costs the event path (`--transport nopoll`; diagnosis only: the
 *   targets are measured with the poller running).
 *
 * Original doc: the self-hosted entry `npm start` runs: one `node:http` server that answers `GET /api/ws` with
 * the Node transport (a few KB per stream instead of a route handler's ~70 KB) and hands every
 * other request — pages, `POST /api/ws`, the domain routes — to Next's request handler. Both paths
 * share the process's hub, bus and database through `globalThis`.
 *
 * Run with `node --import tsx server.ts` after `next build`. `WS_TRANSPORT=route` makes `npm start`
 * use plain `next start` instead (the portable route-handler path).
 */
import { createServer } from 'node:http';
import next from 'next';
import { handleNodeStream } from '../../lib/realtime/transports/node-http';

(globalThis as { __hangarOwnsSignals?: boolean }).__hangarOwnsSignals = true;

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? '0.0.0.0';
const app = next({ dev: false, dir: process.cwd(), port, hostname });
const handle = app.getRequestHandler();
await app.prepare();
const { startRuntime } = await import('../../lib/runtime');
await startRuntime();
if (process.env.BENCH_NO_POLLER === '1') {
  const { getHub } = await import('../../lib/realtime/registry');
  await getHub();
  // lib/metrics keeps the running poller's stop function here (see lib/metrics/index.ts).
  (globalThis as { __hangarMetricsPoller?: () => void }).__hangarMetricsPoller?.();
  console.log('[bench] metrics poller stopped');
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/api/ws' || req.url?.startsWith('/api/ws?'))) {
    void handleNodeStream(req, res);
    return;
  }
  void handle(req, res);
});
server.keepAliveTimeout = 65_000;
const backlog = Number(process.env.BENCH_BACKLOG ?? 4096);
server.listen({ port, host: hostname, backlog }, () => console.log(`[ready] http://localhost:${port} (Node stream transport, backlog ${backlog})`));

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const { getHub } = await import('../../lib/realtime/registry');
  const hub = await getHub();
  console.log(`[drain] ${signal}: ${hub.connectionCount()} streams get reconnect within ${hub.options.drainMs} ms`);
  server.close();
  await hub.drain();
  server.closeAllConnections();
  await app.close().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
