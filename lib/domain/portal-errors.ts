/**
 * Errors of the portal-compatible routes. The portal's pages show `data.error` to the user (the
 * listing edit page shows `data.message`), so these routes answer
 * `{ error: "<the portal's sentence>", code: "<our machine code>" }` — plus `message` on the edit
 * route — instead of the `{ error: code, message }` of the rest of the API.
 *
 * The domain keeps throwing `AppError`s with our codes; each route owns a table that turns a code
 * (or, failing that, a status) into the sentence the portal's route answers for it.
 * `FieldError` carries the field a body check refused, so a table can name it.
 */
import { AppError, isDatabaseUnavailable } from '../errors';
import { logger } from '../observability/logger';
import { dbFailed } from '../observability/db-errors';

/** A refused body field: unknown, invalid, or (`missing_fields`) required and absent. */
export class FieldError extends AppError {
  constructor(
    code: 'unknown_field' | 'invalid_field' | 'missing_fields' | 'conflicting_fields',
    readonly field: string,
    /** What the field must be, in pt-BR (the edit page shows it). */
    readonly expected: string,
  ) {
    super(400, code, `${code === 'unknown_field' ? 'Unknown field' : code === 'missing_fields' ? 'Missing field' : 'Invalid field'}: ${field}`);
  }
}

/** An error whose message is already the user-facing sentence of the route (thrown by route-specific rules). */
export class RouteError extends AppError {
  constructor(
    status: number,
    code: string,
    readonly userMessage: string,
    /** More keys of the body, as the portal sends them (e.g. `currentStatus`, `allowedTransitions`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(status, code, userMessage);
  }
}

type Text = string | ((err: AppError) => string);

/** How one route words its errors. */
export interface ErrorTable {
  /** By our code (first choice). */
  codes?: Record<string, Text>;
  /** By status, when the code has no entry. 500 is the route's "something failed" sentence. */
  status: Record<number, Text> & { 500: string };
  /** Also answer `message` (the listing edit page reads it), worded by this table. */
  message?: { codes?: Record<string, Text>; status: Record<number, Text> };
}

const render = (t: Text, err: AppError) => (typeof t === 'function' ? t(err) : t);

const fieldOf = (err: AppError) => (err instanceof FieldError || 'field' in err ? (err as FieldError).field : undefined);

function pick(table: { codes?: Record<string, Text>; status: Record<number, Text> }, err: AppError, fallback: string): string {
  if (err instanceof RouteError) return err.userMessage;
  const byCode = table.codes?.[err.code];
  if (byCode !== undefined) return render(byCode, err);
  const byStatus = table.status[err.status];
  return byStatus !== undefined ? render(byStatus, err) : fallback;
}

/** The JSON body of a refusal on a portal route. */
export interface PortalErrorBody {
  error: string;
  code: string;
  message?: string;
  [extra: string]: unknown;
}

/**
 * Maps any thrown value to the route's answer. `AppError`s keep their status (and headers); a
 * database outage is 503 with Retry-After; a value the database cannot store (NUL) is a 400;
 * anything else is a logged 500 with the route's sentence.
 */
export function portalErrorResponse(err: unknown, table: ErrorTable): Response {
  let appError: AppError;
  if (AppError.is(err)) appError = err;
  else if (isDatabaseUnavailable(err)) {
    dbFailed('request', err);
    appError = new AppError(503, 'database_unavailable', table.status[500], { retryAfter: 5 });
  } else if (isInvalidText(err)) appError = new AppError(400, 'invalid_request', 'The request holds characters the database cannot store.');
  else {
    logger().error({ err }, 'unexpected error');
    appError = new AppError(500, 'internal_error', table.status[500]);
  }
  const body: PortalErrorBody = { error: pick(table, appError, appError.status >= 500 ? table.status[500] : appError.message), code: appError.code };
  if (table.message) body.message = pick(table.message, appError, body.error);
  if (appError instanceof RouteError) Object.assign(body, appError.extra);
  const headers: Record<string, string> = { ...appError.options.headers };
  if (appError.options.retryAfter !== undefined) headers['Retry-After'] = String(appError.options.retryAfter);
  return Response.json(body, { status: appError.status, headers });
}

/** PostgreSQL's "this text cannot be stored" (NUL byte, bad encoding): the client's input. */
function isInvalidText(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return code === '22021' || code === '22P05';
}

/** `<prefix>: <field>` for field errors, the prefix alone otherwise. */
export const naming = (prefix: string) => (err: AppError) => {
  const field = fieldOf(err);
  return field ? `${prefix}: ${field}` : prefix;
};

/** The pt-BR sentence of a field error, saying what the field must be (edit page `message`). */
export const fieldMessagePt = (err: AppError): string => {
  if (!(err instanceof FieldError)) return 'Dados inválidos';
  if (err.code === 'unknown_field') return `Campo desconhecido: ${err.field}`;
  if (err.code === 'missing_fields') return `Campo obrigatório: ${err.field}`;
  if (err.code === 'conflicting_fields') return `Campos em conflito: ${err.field}`;
  return `Campo inválido: ${err.field} (esperado: ${err.expected})`;
};

/** Sentences shared by every table for transport-level refusals (body too large, not JSON). */
export const TRANSPORT_CODES_PT: Record<string, string> = {
  invalid_json: 'Corpo da requisição não é um JSON válido',
  payload_too_large: 'Corpo da requisição grande demais',
  unsupported_media_type: 'Envie o corpo como application/json',
};
export const TRANSPORT_CODES_EN: Record<string, string> = {
  invalid_json: 'Invalid JSON body',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Send the body as application/json',
};
