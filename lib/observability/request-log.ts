/**
 * Wraps a route handler so that everything it logs carries the request's id, its answer carries
 * `X-Request-Id`, and one line records it: `{ method, path, status, ms }` (`debug` for health and
 * metrics scrapes, `info` otherwise). Headers, query strings and bodies are never logged.
 */
import { logger } from './logger';
import { withRequestContext } from './request-context';

/** Paths scraped every few seconds by machines: logged at `debug` only. */
const QUIET = new Set(['/api/health', '/api/metrics']);

/** The handler `handler`, logged (see above). Extra arguments (Next's route context) pass through. */
export function withRequestLog<A extends unknown[]>(handler: (req: Request, ...rest: A) => Promise<Response> | Response) {
  return (req: Request, ...rest: A): Promise<Response> =>
    withRequestContext({ method: req.method, url: req.url, requestId: req.headers.get('x-request-id') }, async (ctx) => {
      const started = performance.now();
      const res = await handler(req, ...rest);
      const line = { method: ctx.method, path: ctx.path, status: res.status, ms: Math.round(performance.now() - started) };
      if (QUIET.has(ctx.path)) logger().debug(line, 'request');
      else logger().info(line, 'request');
      try {
        res.headers.set('x-request-id', ctx.id);
      } catch {
        // an immutable Response (a proxied fetch): it goes out without the header
      }
      return res;
    });
}
