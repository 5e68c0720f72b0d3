import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { type Db } from '@/lib/db/client';
import { hangarListings, type ListingStatus } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser, routeParams } from '@/test/support/fixtures';
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
  it('shows an active listing to any signed-in user', async () => {
    const l = await listing();
    const res = await get(renter.token, l.id);
    expect(res.status).toBe(200);
    expect((await res.json()).listing).toMatchObject({ id: l.id, ownerId: owner.ownerId, status: 'active', dailyRate: 500, totalSpaces: 2, availableSpaces: 2 });
  });

  it('shows a listing of another status only to its owner or an admin (404 to others)', async () => {
    const l = await listing({ status: 'pending' });
    expect((await get(owner.token, l.id)).status).toBe(200);
    expect((await get(admin.token, l.id)).status).toBe(200);
    expect((await get(renter.token, l.id)).status).toBe(404);
    expect((await get(otherOwner.token, l.id)).status).toBe(404);
  });

  it('answers 400 for a bad id, 404 for a missing one, 401 without a token', async () => {
    expect((await get(renter.token, 'x1')).status).toBe(400);
    expect((await get(renter.token, 0)).status).toBe(400);
    expect((await get(renter.token, 2_147_483_647)).status).toBe(404);
    expect((await get(undefined, 1)).status).toBe(401);
  });
});

describe('PATCH /api/hangarshare/listings/[id]', () => {
  it('updates rates, availability and description without an occupancy event', async () => {
    const l = await listing();
    const res = await patch(owner.token, l.id, {
      daily_rate: 650.5,
      weeklyRate: '3000',
      monthly_rate: null,
      is_available: false,
      available_from: '2026-01-01',
      available_until: '2027-01-01',
      description: 'Hangar climatizado',
      wingspan: 12, // portal field we do not store: dropped
    });
    expect(res.status).toBe(200);
    expect((await res.json()).listing).toMatchObject({ dailyRate: 650.5, weeklyRate: 3000, monthlyRate: null, isAvailable: false, availableFrom: '2026-01-01', availableUntil: '2027-01-01', description: 'Hangar climatizado' });
    expect(await row(l.id)).toMatchObject({ dailyRate: '650.50', weeklyRate: '3000.00', monthlyRate: null });
    expect(bus.events).toEqual([]);
  });

  it('publishes occupancy_changed when total_spaces changes, keeping the spaces in use', async () => {
    const l = await listing({ totalSpaces: 2 });
    await db.update(hangarListings).set({ availableSpaces: 1 }).where(eq(hangarListings.id, l.id));
    await createBooking(db, l.id, renter.userId, { status: 'confirmed', checkIn: new Date(Date.now() - H), checkOut: new Date(Date.now() + H) });
    const res = await patch(owner.token, l.id, { total_spaces: 4 });
    expect((await res.json()).listing).toMatchObject({ totalSpaces: 4, availableSpaces: 3 });
    expect(bus.types()).toEqual(['occupancy_changed']);
    expect(bus.events[0]).toMatchObject({ ownerId: owner.ownerId, data: { hangarId: l.id, totalSpots: 4, occupiedSpots: 1, occupancyRate: 25, isNowOccupied: true } });
    await patch(owner.token, l.id, { totalSpaces: 1 });
    expect(await row(l.id)).toMatchObject({ totalSpaces: 1, availableSpaces: 0 });
  });

  it('publishes occupancy_changed when the listing enters or leaves the active set', async () => {
    const l = await listing();
    await patch(owner.token, l.id, { status: 'inactive' });
    await patch(owner.token, l.id, { status: 'active' });
    expect(bus.types()).toEqual(['occupancy_changed', 'occupancy_changed']);
    await patch(owner.token, l.id, { status: 'active' });
    expect(bus.events).toHaveLength(2);
  });

  it('leaves moderation statuses to admins (403 forbidden_status for the owner)', async () => {
    const l = await listing();
    const refused = await patch(owner.token, l.id, { status: 'suspended' });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toBe('forbidden_status');
    expect((await patch(admin.token, l.id, { status: 'suspended' })).status).toBe(200);
    expect((await patch(owner.token, l.id, { status: 'active' })).status).toBe(403);
    expect((await row(l.id)).status).toBe('suspended');
    const pending = await listing({ status: 'pending' });
    expect((await patch(owner.token, pending.id, { status: 'active' })).status).toBe(403);
    expect((await patch(owner.token, pending.id, { description: 'edits are fine' })).status).toBe(200);
  });

  it('refuses another owner and a renter with 403 and changes nothing', async () => {
    const l = await listing();
    const before = await row(l.id);
    for (const token of [otherOwner.token, renter.token]) expect((await patch(token, l.id, { daily_rate: 1 })).status).toBe(403);
    expect(await row(l.id)).toEqual(before);
    expect(bus.events).toEqual([]);
  });

  it.each([
    ['an empty body', {}],
    ['only unknown fields', { wingspan: 12 }],
    ['total_spaces 0', { total_spaces: 0 }],
    ['total_spaces 1001', { total_spaces: 1001 }],
    ['fractional total_spaces', { total_spaces: 1.5 }],
    ['a negative rate', { daily_rate: -1 }],
    ['a rate with three decimals', { daily_rate: 1.234 }],
    ['a rate beyond numeric(10,2)', { daily_rate: 100_000_000 }],
    ['an unknown status', { status: 'occupied' }],
    ['a non-boolean is_available', { is_available: 'yes' }],
    ['a bad date', { available_from: '2026-02-30' }],
    ['available_from after available_until', { available_from: '2027-01-02', available_until: '2027-01-01' }],
    ['a huge description', { description: 'x'.repeat(5001) }],
    ['an array body', [1]],
  ])('refuses %s with 400 and changes nothing', async (_name, body) => {
    const l = await listing();
    const before = await row(l.id);
    const res = await patch(owner.token, l.id, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    expect(await row(l.id)).toEqual(before);
  });

  it('answers 404 for a missing listing, 400 for a bad id, 401 without a token', async () => {
    expect((await patch(owner.token, 2_147_483_647, { daily_rate: 1 })).status).toBe(404);
    expect((await patch(owner.token, '1e3', { daily_rate: 1 })).status).toBe(400);
    expect((await patch(undefined, 1, { daily_rate: 1 })).status).toBe(401);
  });
});
