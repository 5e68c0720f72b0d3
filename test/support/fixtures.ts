/** Shared test fixtures: tokens and owners/listings/bookings built row by row. */
import type { Db } from '../../lib/db/client';
import { hangarBookings, hangarListings, hangarOwners, users, type BookingStatus, type ListingStatus } from '../../lib/db/schema';
import { mintToken } from './tokens';

export { mintToken, TEST_SECRET } from './tokens';

let counter = 0;

/** Creates a user (unique email) and a valid portal-shaped token for them. */
export async function createUser(db: Db, opts: { role?: string; kind?: string } = {}) {
  const n = ++counter;
  const kind = opts.kind ?? 'User';
  const [user] = await db
    .insert(users)
    .values({ email: `${kind.toLowerCase()}${n}-${process.pid}-${Date.now()}@test.local`, firstName: `${kind}${n}`, role: opts.role ?? 'user' })
    .returning();
  const token = await mintToken({ id: user.id, email: user.email, role: user.role ?? undefined, name: user.firstName });
  return { userId: user.id, token, n };
}

/** Creates a user with an owner profile; returns ids and a valid token for that user. */
export async function createOwner(db: Db, opts: { role?: string } = {}) {
  const { userId, token, n } = await createUser(db, { ...opts, kind: 'Owner' });
  const [owner] = await db
    .insert(hangarOwners)
    .values({ userId, companyName: `Company ${n}` })
    .returning();
  return { userId, ownerId: owner.id, token };
}

export async function createListing(db: Db, ownerId: number, opts: { totalSpaces?: number; status?: ListingStatus; dailyRate?: number } = {}) {
  const [row] = await db
    .insert(hangarListings)
    .values({
      ownerId,
      icaoCode: 'SBMT',
      hangarNumber: `H-${++counter}`,
      totalSpaces: opts.totalSpaces ?? 2,
      availableSpaces: opts.totalSpaces ?? 2,
      status: opts.status ?? 'active',
      dailyRate: String(opts.dailyRate ?? 500),
    })
    .returning();
  return row;
}

export async function createBooking(
  db: Db,
  hangarId: number,
  userId: number,
  opts: { status?: BookingStatus; totalPrice?: number; createdAt?: Date; checkIn?: Date; checkOut?: Date; paymentIntent?: string } = {},
) {
  const checkIn = opts.checkIn ?? new Date(Date.now() + 86_400_000);
  const checkOut = opts.checkOut ?? new Date(checkIn.getTime() + 2 * 86_400_000);
  const [row] = await db
    .insert(hangarBookings)
    .values({
      hangarId,
      userId,
      checkIn,
      checkOut,
      nights: Math.max(1, Math.round((checkOut.getTime() - checkIn.getTime()) / 86_400_000)),
      totalPrice: String(opts.totalPrice ?? 100),
      subtotal: String(opts.totalPrice ?? 100),
      fees: '0',
      status: opts.status ?? 'pending',
      stripePaymentIntentId: opts.paymentIntent,
      createdAt: opts.createdAt ?? new Date(),
    })
    .returning();
  return row;
}

/** Publishes `n` booking_created events for an owner through the real transactional path. */
export async function publishEvents(ownerId: number, n = 1): Promise<number[]> {
  const { transactWithEvents } = await import('../../lib/realtime/log/publish');
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = await transactWithEvents((_tx, emit) =>
      emit(ownerId, 'booking_created', {
        id: String(1000 + i),
        guestName: 'Guest',
        hangarId: 1,
        hangarNumber: 'H-1',
        checkIn: new Date().toISOString(),
        checkOut: new Date().toISOString(),
        amount: 100 + i,
        duration: 1,
        status: 'pending',
      }),
    );
    seqs.push(e.seq);
  }
  return seqs;
}

/** Collects every batch the process bus publishes from now on; `stop()` unsubscribes. */
export async function captureBus() {
  const { getRuntime } = await import('../../lib/runtime');
  const events: import('../../lib/realtime/wire/events').LoggedEvent[] = [];
  const stop = (await getRuntime()).bus.subscribe((batch) => events.push(...batch));
  return {
    events,
    stop,
    types: () => events.map((e) => e.type),
    clear: () => void events.splice(0),
  };
}

/** A request to an API route: JSON body, `Authorization: Bearer <token>` when a token is given. */
export function apiRequest(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  return new Request(`http://localhost${path}`, { method, headers, body });
}

/**
 * Books one night on `hangarId` through a running server's booking route, `30 + n` days ahead (a
 * distinct `n` per booking keeps the stays apart), for `100 + n`.
 */
export function bookOverHttp(base: string, renter: { token: string; userId: number }, hangarId: number, n: number): Promise<Response> {
  const checkIn = new Date(Date.now() + (30 + n) * 86_400_000);
  return fetch(`${base}/api/hangarshare/booking/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${renter.token}` },
    body: JSON.stringify({
      hangarId,
      userId: renter.userId,
      checkIn: checkIn.toISOString(),
      checkOut: new Date(checkIn.getTime() + 86_400_000).toISOString(),
      totalPrice: ONE_NIGHT_AT_DEFAULT_RATE,
    }),
  });
}

/** What one night of a `createListing` hangar costs through booking/confirm: the default 500/day plus the 5 % fee. */
export const ONE_NIGHT_AT_DEFAULT_RATE = 525;

/** The second argument Next passes a dynamic route handler. */
export const routeParams = <T extends Record<string, string>>(params: T) => ({ params: Promise.resolve(params) });
