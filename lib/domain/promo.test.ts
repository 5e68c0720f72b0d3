/**
 * Promo codes at checkout, on the portal's own `coupons`, `codes` and `coupon_redemptions` tables
 * (created here as the portal has them; this service never creates them): the portal's lookup and
 * discount rule, `promo_code` / `discount_amount` recorded, usage counted on the right table with
 * its limit enforced, and an invalid code refused instead of silently ignored.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { POST } from '@/app/api/hangarshare/booking/confirm/route';
import { rows, type Db } from '@/lib/db/client';
import { hangarBookings } from '@/lib/db/schema';
import { apiRequest, captureBus, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { CONFIRM_OK, expectRefusal, expectShape } from '@/test/support/portal-contract';
import { codeHash } from './promo';
import { getDatabase, getDb } from '../runtime';

const D = 86_400_000;
const BASE = Math.ceil(Date.now() / 60_000) * 60_000;
const day = (n: number) => new Date(BASE + n * D).toISOString();
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;
let n = 0;

const confirm = (body: unknown) => POST(apiRequest('POST', '/api/hangarshare/booking/confirm', { token: renter.token, body }));
/** Two nights at the fixture's 500/night: subtotal 1 000. */
const stay = async () => {
  const listing = await createListing(db, owner.ownerId);
  const from = 10 + ++n * 3;
  return { listing, body: { hangarId: listing.id, checkIn: day(from), checkOut: day(from + 2) } };
};
const usedCount = async (table: 'coupons' | 'codes', id: number) =>
  (await rows<{ used_count: number }>(db, sql.raw(`select used_count from ${table} where id = ${id}`)))[0].used_count;

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  renter = await createUser(db);
  bus = await captureBus();
  await (await getDatabase()).exec(`
    create table coupons (id serial primary key, code varchar(50) unique not null, description text, discount_type varchar(20),
      discount_value numeric(10,2), max_uses integer, used_count integer default 0, valid_from timestamp, valid_until timestamp,
      is_active boolean default true, created_at timestamp default now());
    create table codes (id serial primary key, code_hash varchar(64) unique not null, code_type varchar(30), discount_type varchar(20),
      discount_value numeric(10,2), max_uses integer, used_count integer default 0, valid_from timestamp, valid_until timestamp,
      is_active boolean default true);
    create table coupon_redemptions (id serial primary key, coupon_id integer not null, user_id integer not null, booking_id integer not null,
      created_at timestamp default now());
    insert into coupons (id, code, discount_type, discount_value, max_uses) values
      (1, 'VOO10', 'percent', 10, null), (2, 'FIXO300', 'fixed', 300, 1), (3, 'VELHO', 'percent', 50, null), (4, 'OFF', 'percent', 20, null),
      (5, 'TUDO', 'fixed', 5000, null);
    update coupons set valid_until = now() - interval '1 day' where code = 'VELHO';
    update coupons set is_active = false where code = 'OFF';
  `);
  await db.execute(sql`insert into codes (id, code_hash, code_type, discount_type, discount_value, max_uses, used_count) values
    (1, ${codeHash('HANGAR-2026')}, 'promo', 'fixed', 100, 5, 4), (2, ${codeHash('SEMDESCONTO')}, 'membership', null, null, null, 0)`);
});
afterEach(() => bus.clear());

describe('promo codes at booking/confirm', () => {
  it('applies a percent coupon as the portal does: 10 % of the subtotal, fees on the rest, recorded and redeemed', async () => {
    const { listing, body } = await stay();
    // subtotal 1 000, discount 100, fees 5 % of 900 = 45, total 945.
    const res = await confirm({ ...body, totalPrice: 945, subtotal: 1000, fees: 45, promoCode: ' voo10 ' });
    const ok = expectShape(CONFIRM_OK, await res.json());
    expect(ok.booking).toMatchObject({ subtotal: 1000, discount: { code: 'VOO10', amount: 100 }, fees: 45, totalPrice: 945 });
    const [row] = await db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, listing.id));
    expect(row).toMatchObject({ promoCode: 'VOO10', discountAmount: '100.00', subtotal: '1000.00', fees: '45.00', totalPrice: '945.00' });
    expect(await usedCount('coupons', 1)).toBe(1);
    expect(await rows(db, sql`select coupon_id, user_id, booking_id from coupon_redemptions where booking_id = ${row.id}`)).toEqual([
      { coupon_id: 1, user_id: renter.userId, booking_id: row.id },
    ]);
  });

  it('applies a hashed code from `codes` (CODE_HASH_PEPPER, alphanumerics upper-cased) and records the trimmed input', async () => {
    const { listing, body } = await stay();
    const res = await confirm({ ...body, totalPrice: 945, promoCode: ' hangar2026 ' });
    expect(expectShape(CONFIRM_OK, await res.json()).booking.discount).toEqual({ code: 'hangar2026', amount: 100 });
    expect((await db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, listing.id)))[0].promoCode).toBe('hangar2026');
    expect(await usedCount('codes', 1)).toBe(5);
    // Now used up (5 of 5): refused.
    const next = await stay();
    await expectRefusal(
      await confirm({ ...next.body, totalPrice: 945, promoCode: 'HANGAR-2026' }),
      400,
      'Código promocional inválido ou expirado',
      'invalid_promo_code',
    );
  });

  it("enforces a coupon's max_uses (the portal bumped the wrong table): the second use is refused and rolls back", async () => {
    const first = await stay();
    expect((await confirm({ ...first.body, totalPrice: 735, promoCode: 'FIXO300' })).status).toBe(200); // 1000 − 300, fees 35
    const second = await stay();
    await expectRefusal(
      await confirm({ ...second.body, totalPrice: 735, promoCode: 'FIXO300' }),
      400,
      'Código promocional inválido ou expirado',
      'invalid_promo_code',
    );
    expect(await db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, second.listing.id))).toEqual([]);
    expect(await usedCount('coupons', 2)).toBe(1);
  });

  it('leaves nothing to pay when a fixed discount covers the subtotal, which is refused as the portal refuses a zero total', async () => {
    const { body } = await stay();
    // 5 000 off a 1 000 subtotal is capped at 1 000: fees 0, total 0 — and a total must be > 0.
    await expectRefusal(await confirm({ ...body, totalPrice: 0, promoCode: 'TUDO' }), 400, 'Dados inválidos: totalPrice', 'invalid_field');
  });

  it.each([
    ['an expired coupon', 'VELHO'],
    ['an inactive coupon', 'OFF'],
    ['a code without discount columns', 'SEMDESCONTO'],
    ['a code that does not exist', 'NADA'],
  ])('refuses %s with 400 instead of charging the full price silently', async (_name, promoCode) => {
    const { listing, body } = await stay();
    await expectRefusal(await confirm({ ...body, totalPrice: 1050, promoCode }), 400, 'Código promocional inválido ou expirado', 'invalid_promo_code');
    expect(await db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, listing.id))).toEqual([]);
    expect(bus.events).toEqual([]);
  });

  it('refuses a total computed without the discount the code gives (prices are checked)', async () => {
    const { body } = await stay();
    await expectRefusal(
      await confirm({ ...body, totalPrice: 1050, promoCode: 'VOO10' }),
      400,
      /^Valor da reserva não confere.*desconto R\$ 100,00/,
      'price_mismatch',
    );
  });
});
