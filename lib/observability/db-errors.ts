/**
 * The one way a failed database operation is reported: counted in `hangarshare_db_errors_total{op}`
 * and logged at `warn` (the callers retry or degrade; an operator alerts on the rate, not a line).
 */
import { logger } from './logger';
import { metrics } from './metrics';

/** What was being done: the `op` label. */
export type DbOp = 'request' | 'metrics' | 'log_read' | 'stream_start' | 'catch_up' | 'reauth' | 'prune' | 'presence' | 'cluster_tick' | 'health';

/** Counts a failed `op` and, with a `message`, logs it with the error (name, message, code). */
export function dbFailed(op: DbOp, err: unknown, message?: string, fields: Record<string, unknown> = {}): void {
  metrics().dbErrors.inc({ op });
  if (message) logger().warn({ ...fields, op, err }, message);
}
