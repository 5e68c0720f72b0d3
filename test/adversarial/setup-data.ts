/**
 * The data the attacks aim at, made through the server's own HTTP API (the server owns the
 * database on PGlite): logins as the seeded demo accounts, one booking per owner, a listing made
 * inactive, a Stripe payment applied. Two requests here are mass-assignment probes whose answers
 * the suite checks: they must be refused (400 naming the first field an attacker slipped in) and
 * leave nothing behind.
 */
import Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import { DEMO_ACCOUNTS } from '../../lib/db/seed';
import { quote } from '../../lib/domain/pricing';
import { send, json } from './http';
import { WEBHOOK_SECRET } from './target';

export interface Account {
  token: string;
  userId: number;
  email: string;
  role: string;
  name: string;
  /** The user's hangar_owners id, when they have one. */
  ownerId?: number;
}

export interface Listing {
  id: number;
  ownerId: number;
  status: string;
  isAvailable: boolean;
  availableFrom: string | null;
  availableUntil: string | null;
  description: string | null;
  dailyRate: number | null;
  weeklyRate: number | null;
  monthlyRate: number | null;
}

/** The bare row of `GET /api/hangarshare/listings/[id]` (and of its PATCH answer), as a `Listing`. */
const fromRow = (r: Record<string, any>): Listing => ({
  id: r.id,
  ownerId: r.owner_id,
  status: r.status,
  isAvailable: r.is_available,
  availableFrom: r.available_from,
  availableUntil: r.available_until,
  description: r.description,
  dailyRate: r.daily_rate === null ? null : Number(r.daily_rate),
  weeklyRate: r.weekly_rate === null ? null : Number(r.weekly_rate),
  monthlyRate: r.monthly_rate === null ? null : Number(r.monthly_rate),
});

export interface Booking {
  id: number;
  hangarId: number;
  userId: number;
  status: string;
  totalPrice: number;
  nights: number;
  stripePaymentIntentId: string;
}

export interface World {
  owner1: Account;
  owner2: Account;
  owner3: Account;
  admin: Account;
  renter: Account;
  /** owner1's active listing with no availability window: bookable. */
  ownListing: Listing;
  /** owner1's listing made `inactive`: a valid booking body for it is refused with 409. */
  inactiveListing: Listing;
  /** owner2's active listing. */
  foreignListing: Listing;
  /** The renter's booking of `ownListing`, paid by webhook. */
  ownBooking: Booking;
  /** The renter's booking of `foreignListing`. */
  foreignBooking: Booking;
  /** The answers to the two mass-assignment probes (a booking and a listing PATCH with extra fields). */
  massAssignment: { booking: { status: number; body: any }; listing: { status: number; body: any } };
  /** The exact webhook request that was applied, for replays. */
  paid: { payload: string; signature: string; eventId: string; outcome: any };
  /** PostgreSQL only: a valid token whose user was soft-deleted. */
  deletedUserToken?: string;
}

/** Sends a fixture request and insists on `expected`. */
async function call(url: string, method: string, path: string, opts: { token?: string; body?: unknown; expected: number }) {
  const o = await send(url, {
    name: `fixture ${method} ${path}`,
    method,
    path,
    headers: json(opts.token),
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (o.status !== opts.expected) throw new Error(`fixture ${method} ${path}: expected ${opts.expected}, got ${o.status} ${o.text}`);
  return o.body;
}

async function login(url: string, email: string, password: string): Promise<Account> {
  const body = await call(url, 'POST', '/api/auth/login', { body: { email, password }, expected: 200 });
  return { token: body.token, userId: body.user.id, email, role: body.user.role, name: body.user.name, ownerId: body.owners[0]?.id };
}

/** Signs `event` as Stripe would, for `secret`, at `timestamp` (seconds; default now). */
export function signWebhook(payload: string, opts: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, timestamp: opts.timestamp });
}

const DAY = 86_400_000;

/** A one-night booking body for `listing`, at the price its rates give. */
function bookingBody(listing: Listing, daysAhead: number, extra: Record<string, unknown> = {}) {
  const checkIn = new Date(Math.ceil(Date.now() / DAY) * DAY + daysAhead * DAY);
  const totalPrice = quote(listing, 1)!.total;
  return { hangarId: listing.id, checkIn: checkIn.toISOString(), checkOut: new Date(checkIn.getTime() + DAY).toISOString(), totalPrice, ...extra };
}

async function book(url: string, renter: Account, listing: Listing, daysAhead: number): Promise<Booking> {
  const body = bookingBody(listing, daysAhead);
  const { booking, payment } = await call(url, 'POST', '/api/hangarshare/booking/confirm', { token: renter.token, body, expected: 200 });
  return {
    id: booking.id,
    hangarId: listing.id,
    userId: renter.userId,
    status: booking.status,
    totalPrice: booking.totalPrice,
    nights: booking.nights,
    stripePaymentIntentId: payment.paymentIntentId,
  };
}

/** Every seeded listing, read as the admin. */
async function listings(url: string, admin: Account): Promise<Listing[]> {
  const found: Listing[] = [];
  for (let id = 1; id <= 60; id++) {
    const o = await send(url, { name: 'fixture listing', path: `/api/hangarshare/listings/${id}`, headers: json(admin.token) });
    if (o.status === 200) found.push(fromRow(o.body));
  }
  return found;
}

const bookable = (l: Listing) => l.status === 'active' && l.isAvailable !== false && !l.availableFrom && !l.availableUntil;

/** Builds the world the attacks run against. */
export async function buildWorld(url: string): Promise<World> {
  const [o1, o2, o3, adm] = DEMO_ACCOUNTS;
  const owner1 = await login(url, o1.email, o1.password);
  const owner2 = await login(url, o2.email, o2.password);
  const owner3 = await login(url, o3.email, o3.password);
  const admin = await login(url, adm.email, adm.password);
  const renter = await login(url, 'renter1@hangarshare.demo', 'renter1234');

  const all = await listings(url, admin);
  const mine = all.filter((l) => l.ownerId === owner1.ownerId);
  const ownListing = mine.find(bookable)!;
  const foreignListing = all.find((l) => l.ownerId === owner2.ownerId && bookable(l))!;
  if (!ownListing || !foreignListing) throw new Error('the seed has no bookable listing for owner1 or owner2');
  const toDeactivate = mine.find((l) => l.id !== ownListing.id)!;
  const inactiveListing = fromRow(
    (await call(url, 'PATCH', `/api/hangarshare/listings/${toDeactivate.id}`, { token: owner1.token, body: { status: 'inactive' }, expected: 200 })).listing,
  );

  // Mass-assignment probe 1: a renter slips status, ids, a payment intent, nights and an owner into a booking.
  const probe = (method: string, path: string, token: string, body: unknown) =>
    send(url, { name: 'fixture probe', method, path, headers: json(token), body: JSON.stringify(body) });
  const bookingProbe = await probe(
    'POST',
    '/api/hangarshare/booking/confirm',
    renter.token,
    bookingBody(ownListing, 499, {
      status: 'completed',
      booking_status: 'completed',
      id: 1,
      user_id: owner2.userId,
      stripePaymentIntentId: 'pi_attacker_chosen',
      nights: 9999,
      ownerId: owner2.ownerId,
      paymentMethod: 'free',
    }),
  );
  const ownBooking = await book(url, renter, ownListing, 500);
  const foreignBooking = await book(url, renter, foreignListing, 501);

  // Mass-assignment probe 2: an owner tries to move their listing to another owner and mark it paid.
  const listingProbe = await probe('PATCH', `/api/hangarshare/listings/${ownListing.id}`, owner1.token, {
    description: 'adversarial fixture',
    owner_id: owner2.ownerId,
    ownerId: owner2.ownerId,
    id: 999_999,
    is_paid: true,
    payment_status: 'completed',
    created_at: '2000-01-01',
  });

  const eventId = `evt_adversarial_${Date.now()}`;
  const payload = JSON.stringify({
    id: eventId,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: ownBooking.stripePaymentIntentId, object: 'payment_intent', amount: 32150, amount_received: 32150, currency: 'brl' } },
  });
  const signature = signWebhook(payload);
  const outcome = await send(url, {
    name: 'fixture webhook',
    path: '/api/hangarshare/webhook/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  if (outcome.status !== 200 || outcome.body.duplicate || outcome.body.ignored) throw new Error(`fixture webhook: ${outcome.status} ${outcome.text}`);

  return {
    owner1,
    owner2,
    owner3,
    admin,
    renter,
    ownListing,
    inactiveListing,
    foreignListing,
    ownBooking,
    foreignBooking,
    massAssignment: { booking: { status: bookingProbe.status, body: bookingProbe.body }, listing: { status: listingProbe.status, body: listingProbe.body } },
    paid: { payload, signature, eventId, outcome: outcome.body },
    deletedUserToken: await deletedUser(),
  };
}

/**
 * PostgreSQL only: the test shares the server's database, so it can soft-delete a user the way an
 * operator would (there is no API for it). On PGlite the server owns the directory and the test
 * cannot write to it while the server runs, so there is no deleted user and the case is skipped.
 */
async function deletedUser(): Promise<string | undefined> {
  if (!process.env.DATABASE_URL) return undefined;
  const { getDb } = await import('../../lib/runtime');
  const { users } = await import('../../lib/db/schema');
  const { createOwner } = await import('../support/fixtures');
  const db = await getDb();
  const gone = await createOwner(db);
  await db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, gone.userId));
  return gone.token;
}
