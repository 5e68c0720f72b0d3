/**
 * `GET /api/ws` streams an owner's events as Server-Sent Events; `POST /api/ws` carries client
 * messages. The route is a thin adapter: everything lives in lib/realtime/ (Web APIs only here).
 */
import { AppError, errorResponse } from '@/lib/errors';
import { limitClientMessages } from '@/lib/rate-limit';
import { withSecurityHeaders } from '@/lib/security-headers';
import { handleClientMessage } from '@/lib/realtime/http/client-messages';
import { handleStreamRequest } from '@/lib/realtime/http/open-stream';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(req: Request): Promise<Response> {
  return withSecurityHeaders(await handleStreamRequest(req));
}

/**
 * Without this, Next answers HEAD with the GET handler: a stream is opened in the hub and its body
 * is never read or cancelled, so every HEAD would hold one of the owner's stream slots until the
 * token expires.
 */
export function HEAD(): Response {
  return withSecurityHeaders(errorResponse(new AppError(405, 'method_not_allowed', 'Use GET to open the stream.', { headers: { Allow: 'GET, POST' } })));
}

/** Client messages; 429 `too_many_requests` (with `Retry-After`) past the per-user budget. */
export async function POST(req: Request): Promise<Response> {
  try {
    await limitClientMessages(req);
    return withSecurityHeaders(Response.json(await handleClientMessage(req), { headers: { 'Cache-Control': 'no-store' } }));
  } catch (err) {
    return withSecurityHeaders(errorResponse(err));
  }
}
