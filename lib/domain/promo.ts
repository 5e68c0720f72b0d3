/**
 * Promo codes as the portal applies them at checkout, read from the portal's own tables when they
 * exist (this project creates neither):
 *
 * - `coupons.code` equal to the input trimmed and upper-cased; else
 * - `codes.code_hash` = sha256 hex of `<CODE_HASH_PEPPER>:<input, alphanumerics only, upper-cased>`,
 *   for a row whose discount columns are set.
 *
 * Valid while `is_active`, not used up (`used_count < max_uses` when set) and
 * `valid_from ≤ now ≤ valid_until`. `percent` takes subtotal × value / 100, `fixed` the value,
 * capped at the subtotal (`pricing.ts`).
 *
 * Unlike the portal: an invalid code is a 400, not silently ignored (the client would otherwise be
 * charged a price it was not shown); redeeming bumps `used_count` of the table the code came from
 * (the portal bumped `codes` with a coupon's id, so coupon limits were never enforced), atomically
 * with the limit, in the booking's transaction; and a failed `coupon_redemptions` insert is
 * contained in a savepoint (the portal's aborted the transaction, whose COMMIT then silently rolled
 * the booking back while the route answered success).
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { config } from '../config';
import { rows, type Queryable, type Tx } from '../db/client';
import type { Discount } from './pricing';
import { RouteError } from './portal-errors';
import { logger } from '../observability/logger';

/** A valid promo code, ready to apply. */
export interface Promo {
  source: 'coupons' | 'codes';
  id: number;
  /** What `hangar_bookings.promo_code` records: the coupon's code, or the trimmed input. */
  code: string;
  discount: Discount;
}

const invalidPromo = () => new RouteError(400, 'invalid_promo_code', 'Código promocional inválido ou expirado');

/** The hash the portal stores in `codes.code_hash` for `input`. */
export function codeHash(input: string, pepper = config().CODE_HASH_PEPPER): string {
  const normalized = input.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return createHash('sha256').update(`${pepper}:${normalized}`).digest('hex');
}

const tableExists = async (db: Queryable, name: string) => (await rows<{ r: string | null }>(db, sql`select to_regclass(${name})::text as r`))[0]?.r != null;

interface PromoRow {
  id: number;
  code?: string;
  discount_type: string | null;
  discount_value: string | number | null;
}

/** The validity rule shared by both tables, as SQL over the row `t`. */
const VALID = sql.raw(
  `t.is_active = true and (t.max_uses is null or coalesce(t.used_count, 0) < t.max_uses)
   and (t.valid_from is null or t.valid_from <= now()) and (t.valid_until is null or t.valid_until >= now())`,
);

function toPromo(source: Promo['source'], row: PromoRow | undefined, code: string): Promo | null {
  if (!row) return null;
  const value = Number(row.discount_value);
  if ((row.discount_type !== 'percent' && row.discount_type !== 'fixed') || !Number.isFinite(value) || value <= 0) return null;
  return { source, id: row.id, code, discount: { type: row.discount_type, value } };
}

/** Finds a valid promo for `input`; throws 400 `invalid_promo_code` when there is none. */
export async function findPromo(db: Queryable, input: string): Promise<Promo> {
  const trimmed = input.trim();
  if (await tableExists(db, 'coupons')) {
    const [row] = await rows<PromoRow>(
      db,
      sql`select t.id, t.code, t.discount_type, t.discount_value from coupons t where t.code = ${trimmed.toUpperCase()} and ${VALID} limit 1`,
    );
    const promo = toPromo('coupons', row, row?.code ?? trimmed.toUpperCase());
    if (promo) return promo;
  }
  if (await tableExists(db, 'codes')) {
    const [row] = await rows<PromoRow>(
      db,
      sql`select t.id, t.discount_type, t.discount_value from codes t where t.code_hash = ${codeHash(trimmed)} and ${VALID} limit 1`,
    );
    const promo = toPromo('codes', row, trimmed);
    if (promo) return promo;
  }
  throw invalidPromo();
}

/**
 * Counts one use of `promo` for booking `bookingId`, inside the booking's transaction: the bump
 * re-checks the limit, so two checkouts racing for a code's last use cannot both get it (the loser
 * gets 400 and its booking rolls back).
 */
export async function redeemPromo(tx: Tx, promo: Promo, userId: number, bookingId: number): Promise<void> {
  const bumped = await rows(
    tx,
    sql`update ${sql.identifier(promo.source)} t set used_count = coalesce(t.used_count, 0) + 1
        where t.id = ${promo.id} and (t.max_uses is null or coalesce(t.used_count, 0) < t.max_uses) returning t.id`,
  );
  if (bumped.length === 0) throw invalidPromo();
  if (promo.source !== 'coupons' || !(await tableExists(tx, 'coupon_redemptions'))) return;
  try {
    await tx.transaction(async (sp) => {
      await sp.execute(sql`insert into coupon_redemptions (coupon_id, user_id, booking_id) values (${promo.id}, ${userId}, ${bookingId})`);
    });
  } catch (err) {
    logger().warn({ err, bookingId }, 'coupon_redemptions insert failed');
  }
}
