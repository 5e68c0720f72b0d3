/**
 * A small typed client for HangarShare's HTTP API, used by the e2e specs and by
 * `scripts/simulate.ts`: login, listings, bookings (`booking/confirm`, owner status changes) and
 * Stripe webhooks signed with `Stripe.webhooks.generateTestHeaderString` — the real routes, the
 * real verification.
 */
import Stripe from 'stripe';
import { nightsOf, quote } from '../lib/domain/pricing';

export const DAY_MS = 86_400_000;

/** A non-2xx answer: the machine code (`code` on the portal routes, `error` elsewhere) and the sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export interface Login {
  token: string;
  user: { id: number; name: string; email: string; role: string };
  owners: { id: number; companyName: string }[];
}

export interface Listing {
  id: number;
  ownerId: number;
  hangarNumber: string;
  status: string;
  dailyRate: number;
  weeklyRate: number | null;
  monthlyRate: number | null;
  totalSpaces: number;
}

/** The bare row `GET /api/hangarshare/listings/[id]` answers (the portal's shape). */
interface ListingRow {
  id: number;
  owner_id: number;
  hangar_number: string;
  status: string;
  daily_rate: string | null;
  weekly_rate: string | null;
  monthly_rate: string | null;
  total_spaces: number;
}

const num = (v: string | null) => (v === null ? null : Number(v));

export interface Booking {
  id: number;
  hangarId: number;
  status: string;
  totalPrice: number;
  checkIn: string;
  checkOut: string;
  stripePaymentIntentId: string;
}

/** The demo logins from the seed (lib/db/seed.ts) and its renters. */
export const ACCOUNTS = {
  owner1: { email: 'owner@hangarshare.demo', password: 'demo1234' },
  owner2: { email: 'owner2@hangarshare.demo', password: 'demo1234' },
  owner3: { email: 'owner3@hangarshare.demo', password: 'demo1234' },
  admin: { email: 'admin@hangarshare.demo', password: 'admin1234' },
  renter: { email: 'renter1@hangarshare.demo', password: 'renter1234' },
} as const;

/** The HTTP API of one server. */
export class HangarApi {
  constructor(
    readonly baseUrl: string,
    private readonly webhookSecret?: string,
  ) {}

  async request<T>(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    // Portal routes answer { error: <sentence>, code }; the rest of the API { error: <code>, message }.
    if (!res.ok) throw new ApiError(res.status, String(json.code ?? json.error ?? 'http_error'), String(json.code ? json.error : (json.message ?? text)));
    return json as T;
  }

  login(account: { email: string; password: string }): Promise<Login> {
    return this.request<Login>('POST', '/api/auth/login', { body: account });
  }

  async listing(token: string, id: number): Promise<Listing | null> {
    try {
      const row = await this.request<ListingRow>('GET', `/api/hangarshare/listings/${id}`, { token });
      return {
        id: row.id,
        ownerId: row.owner_id,
        hangarNumber: row.hangar_number,
        status: row.status,
        dailyRate: Number(row.daily_rate ?? 0),
        weeklyRate: num(row.weekly_rate),
        monthlyRate: num(row.monthly_rate),
        totalSpaces: row.total_spaces,
      };
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** The active listings of `ownerId` (scans ids 1…`maxId`; needs an admin or the owner's token). */
  async activeListings(token: string, ownerId: number, maxId = 60): Promise<Listing[]> {
    const all = await Promise.all(Array.from({ length: maxId }, (_, i) => this.listing(token, i + 1)));
    return all.filter((l): l is Listing => !!l && l.ownerId === ownerId && l.status === 'active');
  }

  /** `POST /api/hangarshare/booking/confirm` as the token's user (the portal's answer, reshaped as a `Booking`). */
  async createBooking(token: string, body: { hangarId: number; checkIn: string; checkOut: string; totalPrice: number }): Promise<Booking> {
    const { booking, payment } = await this.request<{
      booking: { id: number; status: string; totalPrice: number; checkIn: string; checkOut: string };
      payment: { paymentIntentId: string };
    }>('POST', '/api/hangarshare/booking/confirm', { token, body });
    return {
      id: booking.id,
      hangarId: body.hangarId,
      status: booking.status,
      totalPrice: booking.totalPrice,
      checkIn: booking.checkIn,
      checkOut: booking.checkOut,
      stripePaymentIntentId: payment.paymentIntentId,
    };
  }

  /** Books the first of `listings` that has room for the stay, at the price its rates give; null when none has. */
  async bookAny(token: string, listings: Listing[], stay: { checkIn: Date; checkOut: Date }): Promise<{ booking: Booking; listing: Listing } | null> {
    const nights = nightsOf(stay.checkIn, stay.checkOut);
    for (const listing of listings) {
      const price = quote(listing, nights);
      if (!price) continue;
      try {
        const booking = await this.createBooking(token, {
          hangarId: listing.id,
          checkIn: stay.checkIn.toISOString(),
          checkOut: stay.checkOut.toISOString(),
          totalPrice: price.total,
        });
        return { booking, listing };
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err;
      }
    }
    return null;
  }

  /** `PATCH /api/hangarshare/owner/bookings/[id]` `{ booking_status }`: the portal's `booking` (`id, status, paymentStatus, total…`). */
  async setStatus(token: string, bookingId: number, status: 'confirmed' | 'completed' | 'cancelled'): Promise<{ id: number; status: string }> {
    return (
      await this.request<{ booking: { id: number; status: string } }>('PATCH', `/api/hangarshare/owner/bookings/${bookingId}`, {
        token,
        body: { booking_status: status },
      })
    ).booking;
  }

  /** `POST /api/hangarshare/booking/cancel` as the renter (or an admin). */
  async cancel(token: string, bookingId: number, reason = 'cancelled by the simulation'): Promise<{ id: number; refundAmount: number }> {
    return (
      await this.request<{ booking: { id: number; refundAmount: number } }>('POST', '/api/hangarshare/booking/cancel', { token, body: { bookingId, reason } })
    ).booking;
  }

  /** A signed `payment_intent.succeeded` (or `.payment_failed`) webhook for a booking's intent. */
  async pay(booking: Pick<Booking, 'stripePaymentIntentId' | 'totalPrice'>, type = 'payment_intent.succeeded'): Promise<Record<string, unknown>> {
    if (!this.webhookSecret) throw new Error('pay() needs the STRIPE_WEBHOOK_SECRET of the server');
    const created = Math.floor(Date.now() / 1000);
    const event = {
      id: `evt_e2e_${created}_${Math.random().toString(36).slice(2, 10)}`,
      object: 'event',
      type,
      created,
      data: {
        object: {
          id: booking.stripePaymentIntentId,
          object: 'payment_intent',
          amount: Math.round(booking.totalPrice * 100),
          amount_received: Math.round(booking.totalPrice * 100),
          currency: 'brl',
        },
      },
    };
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.webhookSecret });
    return this.request('POST', '/api/hangarshare/webhook/stripe', { raw: payload, headers: { 'Stripe-Signature': signature } });
  }
}

/** A stay starting `startInMs` from now (negative: already begun) lasting `nights`. */
export function stay(startInMs: number, nights: number, now = Date.now()): { checkIn: Date; checkOut: Date } {
  const checkIn = new Date(now + startInMs);
  return { checkIn, checkOut: new Date(checkIn.getTime() + nights * DAY_MS) };
}
