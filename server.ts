/**
 * The self-hosted entry `npm start` runs: one `node:http` server that answers `GET /api/ws` with
 * the Node transport (a few KB per stream instead of a route handler's ~70 KB) and hands every
 * other request — pages, `POST /api/ws`, the domain routes — to Next's request handler. Both paths
 * share the process's runtime (`lib/runtime.ts`), which also owns the signals: on SIGTERM/SIGINT
 * readiness turns false and new streams are refused while the open ones drain (the listener stays
 * open, so `/api/health` can say 503 to the load balancer), then this server and Next close.
 * Every request runs in a request context, so its log lines carry its id.
 *
 * Run with `node --import tsx server.ts` after `next build`. `WS_TRANSPORT=route` makes `npm start`
 * use plain `next start` instead (the portable route-handler path).
 */
import { createServer } from 'node:http';
import next from 'next';
import { logger } from './lib/observability/logger';
import { withRequestContext } from './lib/observability/request-context';
import { handleNodeStream } from './lib/realtime/http/transport-node';
import { getRuntime, setShutdownHooks } from './lib/runtime';

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? '0.0.0.0';
const app = next({ dev: false, dir: process.cwd(), port, hostname });
const handle = app.getRequestHandler();
await app.prepare();
await getRuntime();

const server = createServer((req, res) => {
  const requestId = req.headers['x-request-id'];
  withRequestContext({ method: req.method, url: req.url, requestId: typeof requestId === 'string' ? requestId : undefined }, (ctx) => {
    res.setHeader('x-request-id', ctx.id);
    if (req.method === 'GET' && (req.url === '/api/ws' || req.url?.startsWith('/api/ws?'))) {
      const started = performance.now();
      handleNodeStream(req, res).then(
        () => logger().info({ method: ctx.method, path: ctx.path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'),
        (err) => {
          logger().error({ err }, 'stream handler failed');
          res.destroy();
        },
      );
      return;
    }
    handle(req, res).catch((err) => {
      logger().error({ err }, 'request handler failed');
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal_error","message":"Something went wrong on our side."}');
      else res.destroy();
    });
  });
});
server.keepAliveTimeout = 65_000;
setShutdownHooks({
  afterDrain: async () => {
    server.close();
    server.closeAllConnections();
    await app.close().catch(() => {});
  },
});
// A reconnect storm arrives all at once: Node's default accept backlog (511) would drop SYNs and
// leave clients waiting out TCP's 1-2-4-8 s retransmits. The kernel caps it at net.core.somaxconn.
server.listen({ port, host: hostname, backlog: 8192 }, () => logger().info({ port, transport: 'node' }, 'listening'));
