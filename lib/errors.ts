/**
 * One error type for everything the API refuses or fails at. `status` is the HTTP status,
 * `code` the machine-readable reason the contract names, `retryable` tells clients whether the
 * same request may succeed later (with `retryAfter` seconds when known).
 */
import { dbFailed } from './observability/db-errors';
import { logger } from './observability/logger';

const BRAND = Symbol.for('hangarshare.AppError');

export class AppError extends Error {
  /**
   * Recognised by brand, not `instanceof`: Next bundles each route separately and the custom
   * server loads `lib/` once more, so an error may come from another copy of this class.
   */
  static is(err: unknown): err is AppError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly [BRAND] = true;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: { retryAfter?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

export const badRequest = (code: string, message: string) => new AppError(400, code, message);
export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);

/** The JSON body every refusal carries. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** Maps any thrown value to a JSON response; unknown errors become a logged 500 without details. */
export function errorResponse(err: unknown): Response {
  if (AppError.is(err)) {
    const headers: Record<string, string> = { ...err.options.headers };
    if (err.options.retryAfter !== undefined) headers['Retry-After'] = String(err.options.retryAfter);
    return Response.json({ error: err.code, message: err.message } satisfies ErrorBody, { status: err.status, headers });
  }
  if (isDatabaseUnavailable(err)) {
    dbFailed('request', err);
    return Response.json({ error: 'database_unavailable', message: 'The database is unavailable; try again shortly.' } satisfies ErrorBody, {
      status: 503,
      headers: { 'Retry-After': '5' },
    });
  }
  if (isInvalidText(err)) {
    return Response.json({ error: 'invalid_request', message: 'The request holds characters the database cannot store.' } satisfies ErrorBody, { status: 400 });
  }
  // `serializeError` keeps message, code and stack: the error object may carry SQL parameters (emails, names).
  logger().error({ err }, 'unexpected error');
  return Response.json({ error: 'internal_error', message: 'Something went wrong on our side.' } satisfies ErrorBody, {
    status: 500,
  });
}

/** The `error` code `errorResponse` answers `err` with (metrics label it so). */
export function errorCode(err: unknown): string {
  if (AppError.is(err)) return err.code;
  if (isDatabaseUnavailable(err)) return 'database_unavailable';
  if (isInvalidText(err)) return 'invalid_request';
  return 'internal_error';
}

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', '57P01', '57P03']);

/** PostgreSQL's "this text cannot be stored" (NUL byte, bad encoding): the client's input, not our fault. */
function isInvalidText(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === '22021' || code === '22P05';
}

/** True for errors that mean "the database cannot be reached right now". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE.has(code);
}
