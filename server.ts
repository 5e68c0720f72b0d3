/**
 * The self-hosted entry `npm start` runs: one `node:http` server that answers `GET /api/ws` with
 * the Node transport (a few KB per stream instead of a route handler's ~70 KB) and hands every
 * other request — pages, `POST /api/ws`, the domain routes — to Next's request handler. Both paths
 * share the process's runtime (`lib/runtime.ts`), which also owns the signals: on SIGTERM/SIGINT
 * this server stops accepting, the streams drain, then Next closes.
 *
 * Run with `node --import tsx server.ts` after `next build`. `WS_TRANSPORT=route` makes `npm start`
 * use plain `next start` instead (the portable route-handler path).
 */
import { createServer } from 'node:http';
import next from 'next';
import { handleNodeStream } from './lib/realtime/http/transport-node';
import { getRuntime, setShutdownHooks } from './lib/runtime';

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? '0.0.0.0';
const app = next({ dev: false, dir: process.cwd(), port, hostname });
const handle = app.getRequestHandler();
await app.prepare();
await getRuntime();

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/api/ws' || req.url?.startsWith('/api/ws?'))) {
    handleNodeStream(req, res).catch((err) => {
      console.error('[ws] stream handler failed', (err as Error).message);
      res.destroy();
    });
    return;
  }
  handle(req, res).catch((err) => {
    console.error('[next] request handler failed', (err as Error).message);
    if (!res.headersSent)
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal_error","message":"Something went wrong on our side."}');
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
setShutdownHooks({
  beforeDrain: () => server.close(),
  afterDrain: async () => {
    server.closeAllConnections();
    await app.close().catch(() => {});
  },
});
// A reconnect storm arrives all at once: Node's default accept backlog (511) would drop SYNs and
// leave clients waiting out TCP's 1-2-4-8 s retransmits. The kernel caps it at net.core.somaxconn.
server.listen({ port, host: hostname, backlog: 8192 }, () => console.log(`[ready] http://localhost:${port} (Node stream transport)`));
