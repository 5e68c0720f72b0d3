/**
 * `GET /api/ws` streams an owner's events as Server-Sent Events; `POST /api/ws` carries client
 * messages. The route is a thin adapter: everything lives in lib/realtime/ (Web APIs only here).
 */
import { errorResponse } from '@/lib/errors';
import { handleClientMessage } from '@/lib/realtime/messages';
import { handleStreamRequest } from '@/lib/realtime/stream';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(req: Request): Promise<Response> {
  return handleStreamRequest(req);
}

export async function POST(req: Request): Promise<Response> {
  try {
    return Response.json(await handleClientMessage(req), { headers: { 'Cache-Control': 'no-store' } });
  } catch (err) {
    return errorResponse(err);
  }
}
