/**
 * `GET` / `PATCH` / `DELETE /api/hangarshare/listing/[id]`, the portal's singular listing route:
 * the public `{ success, hangar }` (with its real owner, reached through hangar_owners, and its
 * photos), the camelCase PATCH without `status`, and DELETE — with the portal's pt-BR errors.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { hangarBookings, hangarListings, hangarOwners } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser, routeParams } from '@/test/support/fixtures';
import { expectRefusal, expectShape, HANGAR_DELETE_OK, HANGAR_OK, HANGAR_PATCH_OK } from '@/test/support/portal-contract';
import { DELETE, GET, PATCH } from './route';
import { getDatabase, getDb } from '@/lib/runtime';

const H = 3_600_000;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let otherOwner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const call = (handler: typeof GET, method: string, token: string | undefined, id: number | string, body?: unknown) =>
  handler(apiRequest(method, `/api/hangarshare/listing/${id}`, { token, body }), routeParams({ id: String(id) }));
const row = async (id: number) => (await db.select().from(hangarListings).where(eq(hangarListings.id, id)))[0];

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  otherOwner = await createOwner(db);
  renter = await createUser(db);
  bus = await captureBus();
  await db.update(hangarOwners).set({ phone: '+55 11 5555-0101' }).where(eq(hangarOwners.id, owner.ownerId));
  await (await getDatabase()).exec(`create table hangar_photos (id serial primary key, listing_id integer not null, photo_url text not null,
    display_order integer default 0, is_primary boolean default false)`);
});
afterEach(() => bus.clear());

describe('GET /api/hangarshare/listing/[id]', () => {
  it("answers { success, hangar } publicly, with the listing's real owner and its photos in order", async () => {
    const l = await createListing(db, owner.ownerId);
    await db
      .update(hangarListings)
      .set({ acceptedAircraftCategories: ['piston'], operatingHours: { seg: '08-18' } })
      .where(eq(hangarListings.id, l.id));
    await (await getDatabase()).exec(`insert into hangar_photos (listing_id, photo_url, display_order, is_primary) values
      (${l.id}, 'b.jpg', 2, false), (${l.id}, 'a.jpg', 1, true)`);
    const res = await call(GET, 'GET', undefined, l.id);
    expect(res.status).toBe(200);
    const { hangar } = expectShape(HANGAR_OK, await res.json());
    expect(hangar).toMatchObject({
      id: l.id,
      hangarNumber: l.hangarNumber,
      icaoCode: 'SBMT',
      dailyRate: '500.00',
      acceptedAircraftCategories: ['piston'],
      operatingHours: { seg: '08-18' },
      status: 'active',
      ownerId: owner.ownerId,
      ownerName: expect.stringMatching(/^Owner\d+$/),
      ownerEmail: expect.stringMatching(/^owner/),
      ownerPhone: '+55 11 5555-0101',
      cancellationPolicy: 'flexible',
      acceptsOnlinePayment: false,
      acceptsPaymentOnArrival: true,
    });
    expect(hangar.photos.map((p) => [p.photoUrl, p.isPrimary, p.displayOrder])).toEqual([
      ['a.jpg', true, 1],
      ['b.jpg', false, 2],
    ]);
  });

  it('hides a listing awaiting approval or inactive from everyone but its owner (the portal showed them to anyone)', async () => {
    const l = await createListing(db, owner.ownerId);
    await db.update(hangarListings).set({ approvalStatus: 'pending_approval' }).where(eq(hangarListings.id, l.id));
    await expectRefusal(await call(GET, 'GET', undefined, l.id), 404, 'Hangar não encontrado', 'listing_not_found');
    await expectRefusal(await call(GET, 'GET', renter.token, l.id), 404, 'Hangar não encontrado', 'listing_not_found');
    expect((await call(GET, 'GET', owner.token, l.id)).status).toBe(200);
  });

  it('answers 400 ID de hangar inválido and 404 Hangar não encontrado', async () => {
    await expectRefusal(await call(GET, 'GET', undefined, 'abc'), 400, 'ID de hangar inválido', 'invalid_id');
    await expectRefusal(await call(GET, 'GET', undefined, 2_147_483_647), 404, 'Hangar não encontrado', 'listing_not_found');
  });
});

describe('PATCH /api/hangarshare/listing/[id]', () => {
  it('stores the camelCase fields and answers { success, message, listingId }', async () => {
    const l = await createListing(db, owner.ownerId);
    const res = await call(PATCH, 'PATCH', owner.token, l.id, {
      aerodromeName: 'Campo de Marte',
      city: 'São Paulo',
      state: 'SP',
      specialNotes: 'Portão 3',
      maxLengthMeters: 11.5,
      isAvailable: false,
    });
    expect(expectShape(HANGAR_PATCH_OK, await res.json())).toEqual({ success: true, message: 'Hangar atualizado com sucesso', listingId: l.id });
    expect(await row(l.id)).toMatchObject({
      aerodromeName: 'Campo de Marte',
      city: 'São Paulo',
      state: 'SP',
      specialNotes: 'Portão 3',
      maxLengthMeters: '11.50',
      isAvailable: false,
    });
  });

  it('refuses status here (the portal route has none) and unknown keys, naming them', async () => {
    const l = await createListing(db, owner.ownerId);
    await expectRefusal(await call(PATCH, 'PATCH', owner.token, l.id, { status: 'inactive' }), 400, 'Campo desconhecido: status', 'unknown_field');
    await expectRefusal(await call(PATCH, 'PATCH', owner.token, l.id, { hangarSizeSqm: 'x' }), 400, 'Dados inválidos: hangarSizeSqm', 'invalid_field');
    expect((await row(l.id)).status).toBe('active');
  });

  it('answers 403 Acesso negado to another owner, 401 Não autorizado without a token, 404 for a missing listing', async () => {
    const l = await createListing(db, owner.ownerId);
    await expectRefusal(await call(PATCH, 'PATCH', otherOwner.token, l.id, { city: 'x' }), 403, 'Acesso negado', 'forbidden');
    await expectRefusal(await call(PATCH, 'PATCH', undefined, l.id, { city: 'x' }), 401, 'Não autorizado', 'missing_token');
    await expectRefusal(await call(PATCH, 'PATCH', owner.token, 2_147_483_647, { city: 'x' }), 404, 'Hangar não encontrado', 'listing_not_found');
  });
});

describe('DELETE /api/hangarshare/listing/[id]', () => {
  it('removes a listing with no booking under way, with occupancy_changed for an active one', async () => {
    const l = await createListing(db, owner.ownerId);
    await createBooking(db, l.id, renter.userId, { status: 'completed', checkIn: new Date(Date.now() - 72 * H), checkOut: new Date(Date.now() - 24 * H) });
    const res = await call(DELETE, 'DELETE', owner.token, l.id);
    expect(expectShape(HANGAR_DELETE_OK, await res.json())).toEqual({ success: true, message: 'Hangar removido com sucesso' });
    expect(await row(l.id)).toBeUndefined();
    expect(bus.types()).toEqual(['occupancy_changed']);
    expect(bus.events[0].data).toMatchObject({ hangarId: l.id, totalSpots: 0, occupiedSpots: 0 });
  });

  it('refuses while a booking has not ended (409), another owner (403) and a missing listing (404)', async () => {
    const l = await createListing(db, owner.ownerId);
    await createBooking(db, l.id, renter.userId, { status: 'confirmed' });
    await expectRefusal(
      await call(DELETE, 'DELETE', owner.token, l.id),
      409,
      'Hangar possui reservas em andamento e não pode ser removido',
      'listing_has_bookings',
    );
    await expectRefusal(await call(DELETE, 'DELETE', otherOwner.token, l.id), 403, 'Acesso negado', 'forbidden');
    await expectRefusal(await call(DELETE, 'DELETE', owner.token, 2_147_483_647), 404, 'Hangar não encontrado', 'listing_not_found');
    expect(await row(l.id)).toBeDefined();
    expect(await db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, l.id))).toHaveLength(1);
  });
});
