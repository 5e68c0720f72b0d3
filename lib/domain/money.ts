/**
 * Money at the boundary and in the database. Amounts are BRL with at most two decimals; the
 * database keeps them as `numeric` (strings through the drivers), the wire as JSON numbers.
 * Validation happens once, here, so a value that passes always fits its column.
 */
import { z } from 'zod';

/** Largest booking total accepted, BRL (fits `numeric(12,2)` with room to spare). */
export const MAX_BOOKING_PRICE = 10_000_000;

/** Largest listing rate, BRL: the limit of the portal's `numeric(10,2)` rate columns. */
export const MAX_RATE = 99_999_999.99;

/** True when `n` has no more than two decimals (tolerating binary floating-point noise). */
export function hasAtMostCents(n: number): boolean {
  return Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
}

/**
 * A BRL amount from JSON: a number, or a plain decimal string such as "120.50" (some portal forms
 * send strings). Non-negative unless `positive`; at most two decimals; at most `max`.
 */
export function moneySchema(opts: { max: number; positive?: boolean }) {
  const asNumber = z.union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be a decimal amount such as 120.50')
      .transform(Number),
  ]);
  return asNumber
    .refine((n) => Number.isFinite(n) && (opts.positive ? n > 0 : n >= 0), opts.positive ? 'must be greater than 0' : 'must not be negative')
    .refine((n) => n <= opts.max, `must be at most ${opts.max}`)
    .refine(hasAtMostCents, 'must have at most 2 decimals');
}

/** A number as the `numeric` column text, two decimals ("120.50"). */
export const toMoneyText = (n: number): string => n.toFixed(2);

/** A `numeric` column value as a JSON number (null stays null). */
export function fromMoneyText(v: string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Rounds to cents, for amounts computed from cents or sums. */
export const roundCents = (n: number): number => Math.round(n * 100) / 100;
