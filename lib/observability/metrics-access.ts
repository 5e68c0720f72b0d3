/** Who may scrape `GET /api/metrics` (see the route): the one check, throwing `AppError`s. */
import { timingSafeEqual } from 'node:crypto';
import { config } from '../config';
import { AppError } from '../errors';

/** Throws unless `req` may read the metrics: 404 when disabled, 401 without the right token, 403 in production without one configured. */
export function metricsAccess(req: Request): void {
  const c = config();
  if (c.METRICS_ENABLED === '0') throw new AppError(404, 'not_found', 'Metrics are disabled (METRICS_ENABLED=0).');
  if (!c.METRICS_TOKEN) {
    if (c.NODE_ENV === 'production') throw new AppError(403, 'metrics_token_required', 'Set METRICS_TOKEN to expose metrics in production.');
    return;
  }
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]?.trim() ?? '';
  if (!sameSecret(given, c.METRICS_TOKEN)) {
    throw new AppError(401, 'invalid_token', 'GET /api/metrics needs Authorization: Bearer <METRICS_TOKEN>.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
    });
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
