/**
 * `GET /api/metrics` — the Prometheus text exposition of this instance (`lib/observability/metrics.ts`).
 * With `METRICS_TOKEN` set it requires `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise);
 * without it, it is open in development and test and refused (403) in production, so a forgotten
 * setting never publishes an instance's internals. `METRICS_ENABLED=0` → 404.
 */
import { metricsAccess } from '@/lib/observability/metrics-access';
import { exposition } from '@/lib/observability/metrics';
import { errorResponse } from '@/lib/errors';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

export const GET = withRequestLog(async (req: Request): Promise<Response> => {
  try {
    metricsAccess(req);
    const { body, contentType } = await exposition();
    return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
  } catch (err) {
    return errorResponse(err);
  }
});
