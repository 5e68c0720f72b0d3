/**
 * `GET /api/ws` streams an owner's events as Server-Sent Events; `POST /api/ws` carries client
 * messages. The route is a thin adapter: everything lives in lib/realtime/ (Web APIs only here).
 */
import { AppError, errorCode, errorResponse } from '@/lib/errors';
import { countClientMessage } from '@/lib/observability/metrics';
import { limitClientMessages } from '@/lib/rate-limit';
import { withSecurityHeaders } from '@/lib/security-headers';
import { handleClientMessage } from '@/lib/realtime/http/client-messages';
import { handleStreamRequest } from '@/lib/realtime/http/open-stream';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = withRequestLog(async (req: Request): Promise<Response> => {
  return withSecurityHeaders(await handleStreamRequest(req));
});

/**
 * Without this, Next answers HEAD with the GET handler: a stream is opened in the hub and its body
 * is never read or cancelled, so every HEAD would hold one of the owner's stream slots until the
 * token expires.
 */
export function HEAD(): Response {
  return withSecurityHeaders(errorResponse(new AppError(405, 'method_not_allowed', 'Use GET to open the stream.', { headers: { Allow: 'GET, POST' } })));
}

/** Client messages; 429 `too_many_requests` (with `Retry-After`) past the per-user budget. */
export const POST = withRequestLog(async (req: Request): Promise<Response> => {
  let type = 'unparsed';
  try {
    await limitClientMessages(req);
    const answer = await handleClientMessage(req, (t) => (type = t));
    countClientMessage(type, 'ok');
    return withSecurityHeaders(Response.json(answer, { headers: { 'Cache-Control': 'no-store' } }));
  } catch (err) {
    countClientMessage(type, errorCode(err));
    return withSecurityHeaders(errorResponse(err));
  }
});
