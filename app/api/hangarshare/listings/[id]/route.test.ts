/**
 * `GET` / `PATCH /api/hangarshare/listings/[id]`, the route the portal's edit page saves through:
 * every key it sends is stored (none silently dropped), an unknown key is a 400 naming it, `null`
 * clears, and errors carry the `message` the page shows. Also: the bare-row GET, who may edit,
 * moderation statuses, and the occupancy events.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { hangarListings, type ListingStatus } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser, routeParams } from '@/test/support/fixtures';
import { expectRefusal, expectShape, LISTING_ROW, LISTINGS_PATCH_OK } from '@/test/support/portal-contract';
import { GET, PATCH } from './route';
import { getDb } from '@/lib/runtime';

const H = 3_600_000;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let otherOwner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let admin: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const get = (token: string | undefined, id: number | string) =>
  GET(apiRequest('GET', `/api/hangarshare/listings/${id}`, { token }), routeParams({ id: String(id) }));
const patch = (token: string | undefined, id: number | string, body: unknown) =>
  PATCH(apiRequest('PATCH', `/api/hangarshare/listings/${id}`, { token, body }), routeParams({ id: String(id) }));
const row = async (id: number) => (await db.select().from(hangarListings).where(eq(hangarListings.id, id)))[0];
const listing = (opts: { totalSpaces?: number; status?: ListingStatus } = {}) => createListing(db, owner.ownerId, opts);

/** Exactly what the portal's edit page saves (portal-routes.md §4, "Edit page"). */
const EDIT_PAGE_BODY = {
  hangarNumber: 'H-7B',
  hangarLocationDescription: 'Pátio norte, ao lado do hangar da escola',
  description: 'Hangar climatizado',
  specialNotes: '',
  availableFrom: '2026-01-01',
  availableUntil: null,
  hangarSizeSqm: 420.5,
  maxWingspanMeters: 15.2,
  maxLengthMeters: 12,
  maxHeightMeters: null,
  hourlyRate: null,
  dailyRate: 650.5,
  weeklyRate: 3000,
  monthlyRate: 9000,
  acceptsOnlinePayment: true,
  acceptsPaymentOnArrival: false,
  acceptsPaymentOnDeparture: true,
  isAvailable: false,
  cancellationPolicy: 'strict',
  status: 'inactive',
};

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  otherOwner = await createOwner(db);
  renter = await createUser(db);
  admin = await createUser(db, { role: 'MASTER' });
  bus = await captureBus();
});
afterEach(() => bus.clear());

describe('GET /api/hangarshare/listings/[id]', () => {
  it('answers the bare snake_case row, publicly, for a listing on the marketplace', async () => {
    const l = await listing();
    const res = await get(undefined, l.id);
    expect(res.status).toBe(200);
    const body = expectShape(LISTING_ROW, await res.json());
    expect(body).toMatchObject({
      id: l.id,
      owner_id: owner.ownerId,
      icao_code: 'SBMT',
      status: 'active',
      daily_rate: '500.00',
      total_spaces: 2,
      available_spaces: 2,
      cancellation_policy: 'flexible',
    });
  });

  it('shows a listing off the marketplace only to its owner or an admin (404 Listing not found to others)', async () => {
    const l = await listing({ status: 'pending' });
    expect((await get(owner.token, l.id)).status).toBe(200);
    expect((await get(admin.token, l.id)).status).toBe(200);
    for (const token of [renter.token, otherOwner.token, undefined]) await expectRefusal(await get(token, l.id), 404, 'Listing not found', 'listing_not_found');
    const unapproved = await listing();
    await db.update(hangarListings).set({ approvalStatus: 'pending_approval' }).where(eq(hangarListings.id, unapproved.id));
    await expectRefusal(await get(renter.token, unapproved.id), 404, 'Listing not found', 'listing_not_found');
  });

  it('answers 400 for a bad id, 404 for a missing one, 401 for a bad token', async () => {
    await expectRefusal(await get(renter.token, 'x1'), 400, 'Invalid listing id', 'invalid_id');
    await expectRefusal(await get(renter.token, 2_147_483_647), 404, 'Listing not found', 'listing_not_found');
    await expectRefusal(await get('x.y.z', 1), 401, 'Invalid token', 'invalid_token');
  });
});

describe('PATCH /api/hangarshare/listings/[id]: the edit page', () => {
  it("stores every key the edit page sends and answers the portal's shape", async () => {
    const l = await listing();
    const res = await patch(owner.token, l.id, EDIT_PAGE_BODY);
    expect(res.status).toBe(200);
    const body = expectShape(LISTINGS_PATCH_OK, await res.json());
    const expected = {
      hangar_number: 'H-7B',
      hangar_location_description: 'Pátio norte, ao lado do hangar da escola',
      description: 'Hangar climatizado',
      special_notes: '',
      available_from: '2026-01-01',
      available_until: null,
      hangar_size_sqm: '420.50',
      max_wingspan_meters: '15.20',
      max_length_meters: '12.00',
      max_height_meters: null,
      hourly_rate: null,
      daily_rate: '650.50',
      weekly_rate: '3000.00',
      monthly_rate: '9000.00',
      accepts_online_payment: true,
      accepts_payment_on_arrival: false,
      accepts_payment_on_departure: true,
      is_available: false,
      cancellation_policy: 'strict',
      status: 'inactive',
    };
    expect(body.listing).toMatchObject(expected);
    // Read back through the GET the page loads from (as the owner: the listing is now inactive).
    expect(expectShape(LISTING_ROW, await (await get(owner.token, l.id)).json())).toMatchObject(expected);
    // Every one of the page's keys reached a column.
    expect(Object.keys(EDIT_PAGE_BODY).length).toBe(20);
    expect(bus.types()).toEqual(['occupancy_changed']); // it left the active set
  });

  it('clears with null and with "" for a date (the portal kept the old value, or answered 500)', async () => {
    const l = await listing();
    await patch(owner.token, l.id, { availableFrom: '2026-02-01', availableUntil: '2026-12-31', description: 'x', maxHeightMeters: 5 });
    const res = await patch(owner.token, l.id, { availableFrom: '', availableUntil: null, description: null, maxHeightMeters: null, hangarSizeSqm: '' });
    expect(res.status).toBe(200);
    expect(await row(l.id)).toMatchObject({ availableFrom: null, availableUntil: null, description: null, maxHeightMeters: null, hangarSizeSqm: null });
  });

  it('takes an availableFrom as the GET loaded it (a date-time) as its day in BOOKING_TIMEZONE', async () => {
    const l = await listing();
    expect((await patch(owner.token, l.id, { availableFrom: '2026-03-01T03:00:00.000Z' })).status).toBe(200);
    expect((await row(l.id)).availableFrom).toBe('2026-03-01');
  });

  it('accepts the snake_case spellings, icaoCode, and the fields of the singular route', async () => {
    const l = await listing();
    const res = await patch(owner.token, l.id, {
      daily_rate: 700,
      icaoCode: 'sbjd',
      operatingHours: { seg: { open: '08:00', close: '18:00' } },
      services: ['hangaragem', 'limpeza'],
    });
    expect(res.status).toBe(200);
    expect(await row(l.id)).toMatchObject({
      dailyRate: '700.00',
      icaoCode: 'SBJD',
      operatingHours: { seg: { open: '08:00', close: '18:00' } },
      services: ['hangaragem', 'limpeza'],
    });
  });

  it.each([
    ['an unknown key among valid ones', { ...EDIT_PAGE_BODY, wingspan: 12 }, 'Unknown field: wingspan', 'unknown_field', 'Campo desconhecido: wingspan'],
    ['a mass-assignment attempt', { description: 'x', owner_id: 2 }, 'Unknown field: owner_id', 'unknown_field', 'Campo desconhecido: owner_id'],
    ['an empty body', {}, 'Missing field: (nenhum campo)', 'missing_fields', 'Campo obrigatório: (nenhum campo)'],
    ['a text for a number', { hangarSizeSqm: 'grande' }, 'Invalid field: hangarSizeSqm', 'invalid_field', /^Campo inválido: hangarSizeSqm \(esperado: número/],
    ['a negative rate', { dailyRate: -1 }, 'Invalid field: dailyRate', 'invalid_field', /^Campo inválido: dailyRate/],
    ['a rate with three decimals', { dailyRate: 1.234 }, 'Invalid field: dailyRate', 'invalid_field', /^Campo inválido: dailyRate/],
    ['a wingspan beyond numeric(6,2)', { maxWingspanMeters: 10_000 }, 'Invalid field: maxWingspanMeters', 'invalid_field', /^Campo inválido/],
    ['an unknown policy', { cancellationPolicy: 'generous' }, 'Invalid field: cancellationPolicy', 'invalid_field', /flexible, moderate ou strict/],
    ['a non-boolean flag', { acceptsOnlinePayment: 'yes' }, 'Invalid field: acceptsOnlinePayment', 'invalid_field', /true ou false/],
    ['an unknown status', { status: 'occupied' }, 'Invalid field: status', 'invalid_field', /^Campo inválido: status/],
    ['total_spaces 0', { total_spaces: 0 }, 'Invalid field: totalSpaces', 'invalid_field', /^Campo inválido: totalSpaces/],
    ['a bad date', { availableFrom: '2026-02-30' }, 'Invalid field: availableFrom', 'invalid_field', /^Campo inválido: availableFrom/],
    ['from after until', { availableFrom: '2027-01-02', availableUntil: '2027-01-01' }, 'Invalid dates', 'invalid_dates', /anterior/],
    ['an icaoCode of null', { icaoCode: null }, 'Invalid field: icaoCode', 'invalid_field', /ICAO/],
    ['both spellings disagreeing', { dailyRate: 1, daily_rate: 2 }, 'Conflicting fields: dailyRate/daily_rate', 'conflicting_fields', /^Campos em conflito/],
    ['a huge description', { description: 'x'.repeat(5001) }, 'Invalid field: description', 'invalid_field', /^Campo inválido: description/],
    ['an array body', [1], 'Invalid field: (body)', 'invalid_field', /^Campo inválido: \(body\)/],
  ])('refuses %s with 400 (error, code and the message the page shows), changing nothing', async (_name, body, error, code, message) => {
    const l = await listing();
    const before = await row(l.id);
    await expectRefusal(await patch(owner.token, l.id, body), 400, error, code, message);
    expect(await row(l.id)).toEqual(before);
  });
});

describe('PATCH /api/hangarshare/listings/[id]: rules', () => {
  it('publishes occupancy_changed when totalSpaces changes, keeping the spaces in use', async () => {
    const l = await listing({ totalSpaces: 2 });
    await db.update(hangarListings).set({ availableSpaces: 1 }).where(eq(hangarListings.id, l.id));
    await createBooking(db, l.id, renter.userId, { status: 'confirmed', checkIn: new Date(Date.now() - H), checkOut: new Date(Date.now() + H) });
    const res = await patch(owner.token, l.id, { totalSpaces: 4 });
    expect(expectShape(LISTINGS_PATCH_OK, await res.json()).listing).toMatchObject({ total_spaces: 4, available_spaces: 3 });
    expect(bus.types()).toEqual(['occupancy_changed']);
    expect(bus.events[0]).toMatchObject({
      ownerId: owner.ownerId,
      data: { hangarId: l.id, totalSpots: 4, occupiedSpots: 1, occupancyRate: 25, isNowOccupied: true },
    });
    await patch(owner.token, l.id, { total_spaces: 1 });
    expect(await row(l.id)).toMatchObject({ totalSpaces: 1, availableSpaces: 0 });
  });

  it('publishes nothing for rates and texts; occupancy_changed when the listing enters or leaves the active set', async () => {
    const l = await listing();
    await patch(owner.token, l.id, { dailyRate: 1, description: 'y' });
    expect(bus.events).toEqual([]);
    await patch(owner.token, l.id, { status: 'inactive' });
    await patch(owner.token, l.id, { status: 'active' });
    await patch(owner.token, l.id, { status: 'active' });
    expect(bus.types()).toEqual(['occupancy_changed', 'occupancy_changed']);
  });

  it('leaves moderation statuses to admins (403 Forbidden, with the reason in message)', async () => {
    const l = await listing();
    await expectRefusal(await patch(owner.token, l.id, { status: 'suspended' }), 403, 'Forbidden', 'forbidden_status', /administrador/);
    expect((await patch(admin.token, l.id, { status: 'suspended' })).status).toBe(200);
    expect((await patch(owner.token, l.id, { status: 'active' })).status).toBe(403);
    expect((await row(l.id)).status).toBe('suspended');
    expect((await patch(owner.token, l.id, { description: 'edits are fine' })).status).toBe(200);
  });

  it('refuses another owner and a renter with 403 (the portal compared hangar_owners.id with users.id and refused the real owner)', async () => {
    const l = await listing();
    const before = await row(l.id);
    for (const token of [otherOwner.token, renter.token]) {
      await expectRefusal(await patch(token, l.id, { dailyRate: 1 }), 403, 'Forbidden', 'forbidden', 'Você não tem permissão para editar este hangar');
    }
    expect(await row(l.id)).toEqual(before);
    expect((await patch(owner.token, l.id, { dailyRate: 1 })).status).toBe(200);
  });

  it('answers 404, 400 for a bad id, 401 without a token — each with a message', async () => {
    await expectRefusal(await patch(owner.token, 2_147_483_647, { dailyRate: 1 }), 404, 'Listing not found', 'listing_not_found', 'Hangar não encontrado');
    await expectRefusal(await patch(owner.token, '1e3', { dailyRate: 1 }), 400, 'Invalid listing id', 'invalid_id', 'ID de hangar inválido');
    await expectRefusal(await patch(undefined, 1, { dailyRate: 1 }), 401, 'Unauthorized', 'missing_token', /entre novamente/);
    await expectRefusal(await patch('x.y.z', 1, { dailyRate: 1 }), 401, 'Invalid token', 'invalid_token', /entre novamente/);
  });
});
