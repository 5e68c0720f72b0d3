/**
 * Why a realtime connection failed, in a form the UI can act on: the contract's error `code`
 * (`invalid_token`, `forbidden_owner`, …, or a client-side `network` / `aborted` / `bad_response`),
 * the HTTP status when there was one, and whether retrying the same request can succeed.
 */

/** A refusal or failure of `GET`/`POST /api/ws`. */
export class RealtimeError extends Error {
  constructor(
    /** The contract's error code, or `network`, `aborted`, `bad_response`, `stale_stream`. */
    readonly code: string,
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status = 0,
    /** Seconds from `Retry-After`, when the server sent one. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'RealtimeError';
  }

  /** True when the same request may succeed later (network trouble, 429, 5xx, a dead stream). */
  get retryable(): boolean {
    return this.status === 0 ? this.code !== 'aborted' : this.status === 429 || this.status >= 500;
  }

  /** True for 401: a fresh token may help. */
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** Builds the error for a non-2xx answer from its JSON body `{ error, message }` (when it has one). */
export async function errorFromResponse(res: Response): Promise<RealtimeError> {
  let code = `http_${res.status}`;
  let message = `The server answered ${res.status} ${res.statusText}`.trim();
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status line says enough.
  }
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  return new RealtimeError(code, message, res.status, retryAfter);
}

/** `Retry-After` in seconds (delta form only; an HTTP date is rare for these routes). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Wraps anything `fetch` or a stream read threw; an abort stays recognisable. */
export function toRealtimeError(err: unknown): RealtimeError {
  if (err instanceof RealtimeError) return err;
  if (err instanceof DOMException && err.name === 'AbortError') return new RealtimeError('aborted', 'The connection was closed by the client.');
  const text = err instanceof Error ? err.message : String(err);
  return new RealtimeError('network', `Network error: ${text}`);
}
