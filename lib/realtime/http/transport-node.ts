/**
 * The self-hosted transport: `GET /api/ws` answered with `node:http` writes by the custom server
 * (`server.ts`), on the same hub and contract as the route handler. A Next route handler keeps a
 * suspended request pipeline per open stream (≈ 70 KB of heap); a raw response costs a few KB.
 * Backpressure is Node's: `write()` returning false marks the stream full until `drain`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCode, errorResponse } from '../../errors';
import { metrics } from '../../observability/metrics';
import { withSecurityHeaders } from '../../security-headers';
import { getRuntime } from '../../runtime';
import type { Connection, Transport } from '../hub/connection';
import { authorizeStream } from './open-stream';
import { SSE_HEADERS } from '../wire/sse';

/** Frames written per flush while Node's buffer is below its high-water mark (`write()` → true). */
const HIGH_WATER_FRAMES = 64;

/** A header-only Web `Request` for the shared authorization code (the GET has no body). */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string') headers.set(k, v);
    else if (Array.isArray(v)) headers.set(k, v.join(', '));
  }
  return new Request(new URL(req.url ?? '/', 'http://localhost'), { headers });
}

async function sendError(res: ServerResponse, err: unknown): Promise<void> {
  if (res.headersSent) {
    res.destroy(); // the stream had started: a JSON error cannot follow it
    return;
  }
  const r = withSecurityHeaders(errorResponse(err));
  res.writeHead(r.status, Object.fromEntries(r.headers));
  res.end(await r.text());
}

/** Handles `GET /api/ws` on a raw Node request. */
export async function handleNodeStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const params = await authorizeStream(toRequest(req));
    const { hub } = await getRuntime();
    hub.admit(params.ownerId);
    if (res.destroyed) return;
    res.writeHead(200, SSE_HEADERS);
    res.socket?.setNoDelay(true);
    // The first frames are written as one chunk once the join has them; the client has its 200 now.
    res.flushHeaders();
    let conn: Connection | undefined;
    let full = false;
    const transport: Transport = {
      kind: 'node',
      write(chunk) {
        if (!res.write(chunk)) full = true;
      },
      capacity: () => (full ? 0 : HIGH_WATER_FRAMES),
      end() {
        if (res.writableEnded) return;
        res.end();
        if (res.destroyed || res.writableFinished) return; // everything reached the socket
        // A client that stopped reading would keep the socket (and its buffer) forever.
        const timer = setTimeout(() => {
          if (res.destroyed || res.writableFinished) return;
          hub.stats.writeTimedOut();
          res.destroy();
        }, hub.options.writeTimeoutMs ?? 30_000);
        timer.unref();
        res.once('finish', () => clearTimeout(timer));
        res.once('close', () => clearTimeout(timer));
      },
    };
    res.on('drain', () => {
      full = false;
      conn?.flush();
    });
    res.on('close', () => conn?.close('client'));
    conn = hub.open({ ...params, transport });
  } catch (err) {
    if (!res.headersSent) metrics().streamRefusals.inc({ code: errorCode(err) });
    await sendError(res, err);
  }
}
