/** `GET /api/ws/stats` (ADMIN/MASTER): this instance's connections, owners, counters and memory (and, on PostgreSQL, every instance's). */
import { isAdmin } from '@/lib/auth/jwt';
import { assertUserActive } from '@/lib/auth/owners';
import { authenticate } from '@/lib/auth/request';
import { AppError, errorResponse } from '@/lib/errors';
import { getWebSocketServer } from '@/lib/realtime/portal-broadcast-api';
import { collectGarbage } from '@/lib/process-state';
import { withSecurityHeaders } from '@/lib/security-headers';
import { getDb } from '@/lib/runtime';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

export const GET = withRequestLog(async (req: Request): Promise<Response> => {
  try {
    const claims = await authenticate(req);
    if (!isAdmin(await assertUserActive(await getDb(), claims))) throw new AppError(403, 'forbidden', 'Only ADMIN or MASTER may read stream statistics.');
    // ?gc=1 collects garbage first when the process runs with --expose-gc (soak and benchmarks).
    if (new URL(req.url).searchParams.get('gc') === '1') collectGarbage();
    return withSecurityHeaders(Response.json(await getWebSocketServer().getStats(), { headers: { 'Cache-Control': 'no-store' } }));
  } catch (err) {
    return withSecurityHeaders(errorResponse(err));
  }
});
