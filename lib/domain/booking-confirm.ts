/**
 * `POST /api/hangarshare/booking/confirm`: the portal's checkout. In one transaction that holds the
 * listing's row lock (the portal's advisory lock, per hangar):
 *
 * 1. checkouts of this hangar left unpaid for 30 minutes give their spot back (`releaseAbandoned`);
 * 2. the same renter, hangar and dates as a live booking of the last 15 minutes is a *replay*: the
 *    booking's PaymentIntent is retrieved and answered again, nothing is written (the portal looked
 *    for replays after its overlap check, so every retry got 409);
 * 3. the listing must be bookable and have a free space over the whole stay (capacity by spaces);
 * 4. the price is computed from the listing's rates (and promo code) and must match what the client
 *    shows (`totalPrice`, and `subtotal` / `fees` when sent);
 * 5. the PaymentIntent is created (amount in cents, BRL, card, the portal's metadata, description
 *    and receipt email), the booking inserted `confirmed` — as the portal records it — with its
 *    `booking_type`, `refund_policy_applied`, `promo_code` and `discount_amount`, the promo redeemed,
 *    and `booking_created` (plus `occupancy_changed` when the stay has begun) published.
 *
 * A Stripe failure rolls everything back (502). Without STRIPE_SECRET_KEY, the intent is local.
 */
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TokenClaims } from '../auth/jwt';
import { config } from '../config';
import { inTurn, type Tx } from '../db/client';
import { bookingPayments, hangarBookings, type BookingStatus } from '../db/schema';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { DAY_MS, zonedDay } from '../time';
import { idSchema, loadActor, loadUser, type Actor } from './access';
import { field, parseFields } from './body';
import { recordIntent } from './booking-payments';
import { setBookingStatus } from './booking-status';
import { createdEventData, lockBookingOrThrow, type BookingRow } from './bookings';
import { assertCapacity, PENDING_HOLD_MS } from './capacity';
import { isPublic, lockListingOrThrow, type ListingRow } from './listings';
import { fromMoneyText, MAX_BOOKING_PRICE, moneySchema, toMoneyText } from './money';
import { isActiveAt, occupancyOf } from './occupancy';
import { RouteError } from './portal-errors';
import { quote, type Quote } from './pricing';
import { findPromo, redeemPromo, type Promo } from './promo';
import { bookingTypeOf, checkInDay, policyLabel, type BookingType } from './refund-policy';
import { createPaymentIntent, paymentMode, retrievePaymentIntent } from './stripe-gateway';

/** The status a new booking gets: the portal's (see the file comment). */
export const INITIAL_BOOKING_STATUS: BookingStatus = 'confirmed';

/** How long the same request answers the booking it created instead of making another. */
export const IDEMPOTENCY_WINDOW_MS = 15 * 60_000;

/** Longest stay accepted, in nights. */
export const MAX_NIGHTS = 365;
/** How far in the past a check-in may lie (a stay booked on arrival day, dated at midnight). */
export const MAX_CHECK_IN_PAST_MS = DAY_MS;
/** How far ahead a check-in may lie. */
export const MAX_CHECK_IN_AHEAD_MS = 2 * 366 * DAY_MS;

/** A validated stay, ready to be written. */
export interface Stay {
  checkIn: Date;
  checkOut: Date;
  nights: number;
}

const invalidDates = (message: string) => badRequest('invalid_dates', message);

/**
 * The calendar days of date-only inputs ("2026-12-01"), judged against `today` in
 * BOOKING_TIMEZONE: stored as UTC midnight, such a day would otherwise look past hours early in
 * Brazil (at 22:00 in São Paulo, today's UTC midnight is 25 hours ago).
 */
export interface StayDays {
  today: string;
  checkIn?: string;
  checkOut?: string;
}

const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);

/**
 * Validates a stay at `now`: check-out after check-in, at most `MAX_NIGHTS` nights, check-out in
 * the future, check-in no more than a day ago and no more than two years ahead (400 `invalid_dates`).
 * A date-only check-in or check-out (`days`) is judged by its day: check-out after today, check-in
 * no earlier than yesterday.
 */
export function stayOf(checkIn: Date, checkOut: Date, now: Date, days?: StayDays): Stay {
  const start = checkIn.getTime();
  const end = checkOut.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw invalidDates('checkIn and checkOut must be valid dates.');
  if (end <= start) throw invalidDates('checkOut must be after checkIn.');
  const nights = Math.ceil((end - start) / DAY_MS);
  if (nights > MAX_NIGHTS) throw invalidDates(`A stay may last at most ${MAX_NIGHTS} nights.`);
  const over = days?.checkOut ? days.checkOut <= days.today : end <= now.getTime();
  if (over) throw invalidDates('checkOut must be in the future.');
  const tooOld = days?.checkIn ? days.checkIn < dayBefore(days.today) : start < now.getTime() - MAX_CHECK_IN_PAST_MS;
  if (tooOld) throw invalidDates('checkIn must not be more than a day in the past.');
  if (start > now.getTime() + MAX_CHECK_IN_AHEAD_MS) throw invalidDates('checkIn must be within the next two years.');
  return { checkIn, checkOut, nights };
}

/** A date ("2026-12-01", midnight UTC) or an instant with an offset; a local time without one is ambiguous. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const amount = moneySchema({ max: MAX_BOOKING_PRICE }).nullable();

/** The portal's checkout body. */
export const CONFIRM_FIELDS = {
  hangarId: field(idSchema, 'id do hangar (inteiro positivo)'),
  userId: field(idSchema.nullable(), 'id do usuário (inteiro positivo): o seu, ou qualquer um para um administrador'),
  checkIn: field(instant, 'data AAAA-MM-DD ou data-hora ISO com fuso'),
  checkOut: field(instant, 'data AAAA-MM-DD ou data-hora ISO com fuso'),
  totalPrice: field(moneySchema({ max: MAX_BOOKING_PRICE, positive: true }), 'valor em R$ maior que 0, até 2 casas decimais'),
  subtotal: field(amount, 'valor em R$, até 2 casas decimais'),
  fees: field(amount, 'valor em R$, até 2 casas decimais'),
  promoCode: field(z.string().max(50).nullable(), 'texto de até 50 caracteres'),
};

/** The checkout body, validated; `checkIn`/`checkOut` keep the text sent (the portal echoes it). */
export interface ConfirmInput {
  hangarId: number;
  userId?: number | null;
  checkIn: string;
  checkOut: string;
  totalPrice: number;
  subtotal?: number | null;
  fees?: number | null;
  promoCode?: string | null;
}

/** Validates a checkout body (unknown keys and missing required ones are 400s naming them). */
export function parseConfirmBody(body: Record<string, unknown>): ConfirmInput {
  return parseFields(body, CONFIRM_FIELDS, { required: ['hangarId', 'checkIn', 'checkOut', 'totalPrice'] }) as ConfirmInput;
}

/** `booking` of a new checkout, as the portal answers it. */
export interface CheckoutBooking {
  id: number;
  status: BookingStatus;
  hangarNumber: string | null;
  checkIn: string;
  checkOut: string;
  nights: number;
  subtotal: number;
  discount: { code: string; amount: number } | null;
  fees: number;
  totalPrice: number;
  bookingType: BookingType;
}

/** `booking` of a replay: the portal's shorter shape. */
export type ReplayBooking = Pick<CheckoutBooking, 'id' | 'status' | 'hangarNumber' | 'checkIn' | 'checkOut' | 'nights' | 'totalPrice' | 'bookingType'>;

export interface CheckoutPayment {
  clientSecret: string | null;
  paymentIntentId: string;
  publishableKey: string | null;
}

export type ConfirmResult =
  | { replay: false; booking: CheckoutBooking; payment: CheckoutPayment; row: BookingRow }
  | { replay: true; booking: ReplayBooking; payment: CheckoutPayment; row: BookingRow };

/** The renter: the caller, or (admins only) the user named by `userId`. */
async function resolveRenter(tx: Tx, claims: TokenClaims, userId: number | null | undefined): Promise<Actor> {
  const caller = await loadActor(tx, claims);
  if (!userId || userId === caller.userId) return caller;
  if (!caller.admin) throw forbidden('forbidden_user', 'Only an admin may book for another user.');
  const renter = await loadUser(tx, userId);
  if (!renter) throw notFound('user_not_found', `There is no user ${userId}.`);
  return renter;
}

/** 404 unless the listing takes bookings; 409 when the stay falls outside its availability window (UTC days). */
function assertBookable(listing: ListingRow, stay: Stay): void {
  if (!isPublic(listing)) throw notFound('listing_not_active', `Hangar listing ${listing.id} is not on the marketplace.`);
  if (listing.isAvailable === false) throw notFound('listing_unavailable', `Hangar listing ${listing.id} is marked unavailable.`);
  const firstDay = stay.checkIn.toISOString().slice(0, 10);
  const lastDay = stay.checkOut.toISOString().slice(0, 10);
  if ((listing.availableFrom && firstDay < listing.availableFrom) || (listing.availableUntil && lastDay > listing.availableUntil)) {
    throw conflict(
      'outside_availability',
      `Hangar listing ${listing.id} is available from ${listing.availableFrom ?? '…'} to ${listing.availableUntil ?? '…'} only.`,
    );
  }
}

/**
 * Gives back the spots of checkouts of this hangar that were never paid: `pending` bookings older
 * than 30 minutes (the portal's rule) and bookings this service created `confirmed` with a Stripe
 * intent still awaiting payment after 30 minutes (the portal never released those, so an abandoned
 * checkout blocked its dates for ever). Each becomes `cancelled`, with its events.
 */
async function releaseAbandoned(tx: Tx, emit: Emit, listing: ListingRow, now: Date): Promise<void> {
  const before = new Date(now.getTime() - PENDING_HOLD_MS);
  const stale = await tx
    .select({ id: hangarBookings.id })
    .from(hangarBookings)
    .leftJoin(bookingPayments, eq(bookingPayments.bookingId, hangarBookings.id))
    .where(
      and(
        eq(hangarBookings.hangarId, listing.id),
        lt(hangarBookings.createdAt, before),
        sql`(${hangarBookings.status} = 'pending' or (${hangarBookings.status} = 'confirmed' and ${bookingPayments.status} = 'requires_payment'))`,
      ),
    );
  for (const { id } of stale) await setBookingStatus(tx, emit, await lockBookingOrThrow(tx, id), 'cancelled', now);
}

/** The renter's live booking of the same hangar and dates from the idempotency window. */
async function findReplay(tx: Tx, renterId: number, hangarId: number, stay: Stay, now: Date): Promise<BookingRow | undefined> {
  const [row] = await tx
    .select()
    .from(hangarBookings)
    .where(
      and(
        eq(hangarBookings.userId, renterId),
        eq(hangarBookings.hangarId, hangarId),
        eq(hangarBookings.checkIn, stay.checkIn),
        eq(hangarBookings.checkOut, stay.checkOut),
        inArray(hangarBookings.status, ['pending', 'confirmed']),
        gte(hangarBookings.createdAt, new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS)),
      ),
    )
    .orderBy(desc(hangarBookings.id))
    .limit(1);
  return row;
}

const publishableKey = () => config().NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY ?? null;

async function replayOf(row: BookingRow, listing: ListingRow, input: ConfirmInput): Promise<ConfirmResult> {
  if (!row.stripePaymentIntentId) throw conflict('booking_without_payment', `Booking ${row.id} exists without a payment.`);
  const intent = await retrievePaymentIntent(row.stripePaymentIntentId);
  return {
    replay: true,
    row,
    booking: {
      id: row.id,
      status: row.status ?? 'pending',
      hangarNumber: listing.hangarNumber,
      checkIn: input.checkIn,
      checkOut: input.checkOut,
      nights: row.nights,
      totalPrice: fromMoneyText(row.totalPrice) ?? 0,
      bookingType: (row.bookingType as BookingType | null) ?? 'refundable',
    },
    payment: { clientSecret: intent.clientSecret, paymentIntentId: row.stripePaymentIntentId, publishableKey: publishableKey() },
  };
}

/** The stay priced from the listing's rates; 400 `price_mismatch` unless the client's figures agree. */
function priceOf(listing: ListingRow, stay: Stay, input: ConfirmInput, promo: Promo | null): Quote {
  const rates = { dailyRate: fromMoneyText(listing.dailyRate), weeklyRate: fromMoneyText(listing.weeklyRate), monthlyRate: fromMoneyText(listing.monthlyRate) };
  const q = quote(rates, stay.nights, promo?.discount ?? null);
  if (!q) throw conflict('listing_without_price', `Hangar listing ${listing.id} has no rate to price a stay with.`);
  const off = (sent: number | null | undefined, ...accepted: number[]) => sent != null && !accepted.some((a) => Math.abs(a - sent) < 0.005);
  if (off(input.totalPrice, q.total) || off(input.subtotal, q.subtotal, q.subtotal - q.discount) || off(input.fees, q.fees)) {
    const brl = (n: number) => n.toFixed(2).replace('.', ',');
    throw new RouteError(
      400,
      'price_mismatch',
      `Valor da reserva não confere com as tarifas do hangar: subtotal R$ ${brl(q.subtotal)}` +
        `${q.discount ? `, desconto R$ ${brl(q.discount)}` : ''}, taxas R$ ${brl(q.fees)}, total R$ ${brl(q.total)}`,
    );
  }
  return q;
}

const description = (l: ListingRow, nights: number, promo: Promo | null) =>
  `Reserva de hangar ${l.hangarNumber ?? l.id} (${l.icaoCode}) - ${nights} noite(s)${promo ? ` - Desconto: ${promo.code}` : ''}`;

/** Runs the checkout inside the caller's transaction; see the file comment. */
export async function createBooking(tx: Tx, emit: Emit, claims: TokenClaims, input: ConfirmInput, now: Date): Promise<ConfirmResult> {
  const timeZone = config().BOOKING_TIMEZONE;
  const dateOnly = (v: string) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);
  const days = { today: zonedDay(now, timeZone).day, checkIn: dateOnly(input.checkIn), checkOut: dateOnly(input.checkOut) };
  const stay = stayOf(new Date(input.checkIn), new Date(input.checkOut), now, days);
  // Reads that do not depend on each other go out together (one round trip each pair); a refusal
  // of the first still wins, as if they had run in turn.
  const [renter, listing] = await inTurn(resolveRenter(tx, claims, input.userId), lockListingOrThrow(tx, input.hangarId));
  // A replay is recent (15 min) and live; what `releaseAbandoned` cancels is older than 30 min.
  const [, replay] = await inTurn(releaseAbandoned(tx, emit, listing, now), findReplay(tx, renter.userId, listing.id, stay, now));
  if (replay) return replayOf(replay, listing, input);
  assertBookable(listing, stay);
  await assertCapacity(tx, listing, stay, now);
  const promo = input.promoCode?.trim() ? await findPromo(tx, input.promoCode) : null;
  const q = priceOf(listing, stay, input, promo);
  const bookingType = bookingTypeOf(checkInDay(input.checkIn, stay.checkIn, timeZone), now, timeZone);
  const intent = await createPaymentIntent({
    amountCents: Math.round(q.total * 100),
    receiptEmail: renter.email,
    description: description(listing, stay.nights, promo),
    metadata: {
      hangarId: String(listing.id),
      userId: String(renter.userId),
      hangarNumber: listing.hangarNumber ?? '',
      checkIn: input.checkIn,
      checkOut: input.checkOut,
      nights: String(stay.nights),
      bookingType,
      promoCode: promo?.code ?? '',
    },
  });
  const [row] = await tx
    .insert(hangarBookings)
    .values({
      hangarId: listing.id,
      userId: renter.userId,
      ...stay,
      subtotal: toMoneyText(q.subtotal),
      fees: toMoneyText(q.fees),
      totalPrice: toMoneyText(q.total),
      status: INITIAL_BOOKING_STATUS,
      paymentMethod: 'stripe',
      stripePaymentIntentId: intent.id,
      bookingType,
      refundPolicyApplied: policyLabel(listing.cancellationPolicy),
      promoCode: promo?.code ?? null,
      discountAmount: q.discount > 0 ? toMoneyText(q.discount) : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (paymentMode() === 'stripe') await recordIntent(tx, row.id, intent.id, q.total, now);
  if (promo) await redeemPromo(tx, promo, renter.userId, row.id);
  await emit(listing.ownerId, 'booking_created', createdEventData(row, listing, renter.name));
  if (isActiveAt(row, now)) await emit(listing.ownerId, 'occupancy_changed', await occupancyOf(tx, listing, now));
  return {
    replay: false,
    row,
    booking: {
      id: row.id,
      status: INITIAL_BOOKING_STATUS,
      hangarNumber: listing.hangarNumber,
      checkIn: input.checkIn,
      checkOut: input.checkOut,
      nights: stay.nights,
      subtotal: q.subtotal,
      discount: promo && q.discount > 0 ? { code: promo.code, amount: q.discount } : null,
      fees: q.fees,
      totalPrice: q.total,
      bookingType,
    },
    payment: { clientSecret: intent.clientSecret, paymentIntentId: intent.id, publishableKey: publishableKey() },
  };
}

/** `createBooking` in its own transaction; events are published after commit. */
export function confirmBooking(claims: TokenClaims, input: ConfirmInput, now = new Date()): Promise<ConfirmResult> {
  return transactWithEvents((tx, emit) => createBooking(tx, emit, claims, input, now));
}
