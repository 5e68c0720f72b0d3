/**
 * Reading a portal route's JSON body, once, at the boundary: size, media type and JSON are checked
 * by `lib/http.ts`; then every key must be one the route knows (an unknown key is a 400 naming
 * it: a 200 never silently drops part of what was sent), required keys must be present, and each
 * value must pass its field's schema (400 naming the field and what it must be).
 */
import { z } from 'zod';
import { readJson } from '../http';
import { FieldError } from './portal-errors';

/** One accepted key: its schema and, in pt-BR, what it must be. */
export interface FieldSpec<T = unknown> {
  schema: z.ZodType<T>;
  expected: string;
}

export const field = <T>(schema: z.ZodType<T>, expected: string): FieldSpec<T> => ({ schema, expected });

type Parsed<S extends Record<string, FieldSpec>> = { [K in keyof S]?: S[K] extends FieldSpec<infer T> ? T : never };

/** Reads the request's JSON object (413, 415, 400 `invalid_json` / `invalid_request` for a non-object). */
export async function readObject(req: Request): Promise<Record<string, unknown>> {
  const body = await readJson(req, z.unknown());
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FieldError('invalid_field', '(body)', 'um objeto JSON');
  return body as Record<string, unknown>;
}

/**
 * Validates `body` against `spec`. `required` keys must be present (and not null); `aliases`
 * maps another spelling to a spec key (sending both spellings with different values is a 400).
 * Keys absent from the body are absent from the result.
 */
export function parseFields<S extends Record<string, FieldSpec>>(
  body: Record<string, unknown>,
  spec: S,
  opts: { required?: readonly (keyof S & string)[]; aliases?: Readonly<Record<string, keyof S & string>> } = {},
): Parsed<S> {
  const values: Record<string, unknown> = {};
  for (const [raw, value] of Object.entries(body)) {
    const key = opts.aliases?.[raw] ?? raw;
    if (!Object.hasOwn(spec, key)) throw new FieldError('unknown_field', raw, 'nenhum: este campo não existe');
    if (Object.hasOwn(values, key) && JSON.stringify(values[key]) !== JSON.stringify(value)) {
      throw new FieldError('conflicting_fields', `${key}/${raw}`, 'o mesmo valor nas duas grafias');
    }
    values[key] = value;
  }
  for (const key of opts.required ?? []) {
    if (values[key] === undefined || values[key] === null) throw new FieldError('missing_fields', key, spec[key].expected);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const result = spec[key].schema.safeParse(value);
    if (!result.success) throw new FieldError('invalid_field', key, spec[key].expected);
    out[key] = result.data;
  }
  return out as Parsed<S>;
}
