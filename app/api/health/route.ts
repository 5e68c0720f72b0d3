/**
 * `GET /api/health` — readiness: 200 `{ ok: true, ready: true, database }` when this instance
 * should get traffic; 503 `{ ok: false, ready: false, reason, message }` when not (`draining`,
 * `starting`, `database_unreachable`). `GET /api/health?probe=live` — liveness: 200 while the
 * process answers. No authentication: neither says more than up or down.
 */
import { readiness } from '@/lib/health';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'Cache-Control': 'no-store' };

export const GET = withRequestLog(async (req: Request): Promise<Response> => {
  if (new URL(req.url).searchParams.get('probe') === 'live') return Response.json({ ok: true, live: true }, { headers: NO_STORE });
  const r = await readiness();
  if (r.ready) return Response.json({ ok: true, ...r }, { headers: NO_STORE });
  return Response.json({ ok: false, ...r }, { status: 503, headers: { ...NO_STORE, 'Retry-After': '5' } });
});
