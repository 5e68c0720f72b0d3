/**
 * Reading untrusted request bodies, once, at the boundary: size cap (413), JSON (400
 * `invalid_json`), then a zod schema (400 `invalid_request` naming the first bad field).
 */
import type { z } from 'zod';
import { AppError } from './errors';

/** Default cap on a JSON body, bytes. */
export const MAX_JSON_BYTES = 16 * 1024;

/** Reads the raw body as text, refusing more than `maxBytes` without buffering the excess. */
export async function readText(req: Request, maxBytes = MAX_JSON_BYTES): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

const tooLarge = (max: number) => new AppError(413, 'payload_too_large', `The request body is larger than ${max / 1024} KiB.`);

/** Parses a JSON body and validates it with `schema`. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, maxBytes = MAX_JSON_BYTES): Promise<z.infer<S>> {
  const type = req.headers.get('content-type');
  if (type && !/^application\/(.+\+)?json\b/i.test(type) && !/^text\/plain\b/i.test(type)) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  const text = await readText(req, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (hasNul(body)) throw new AppError(400, 'invalid_request', 'Text fields may not contain NUL characters.');
  return parseWith(schema, body);
}

/** True when any string (or key) in a parsed JSON value holds U+0000, which PostgreSQL cannot store. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (k.includes('\0') || hasNul(v, depth + 1)) return true;
  return false;
}

/** Validates `value` with `schema`; a failure is a 400 naming the first offending field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new AppError(400, 'invalid_request', `${where}${issue.message}`);
}
