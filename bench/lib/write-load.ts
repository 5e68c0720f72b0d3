/**
 * The write bench's load generator: an open-loop scheduler (request i is due at t0 + i/rate and
 * is sent then, whatever earlier requests are doing) over keep-alive `node:http` sockets, and the
 * three writes it sends — `POST /api/hangarshare/booking/confirm` as a renter, `PATCH
 * /api/hangarshare/owner/bookings/[id]` to `confirmed` as the owner, and a signed Stripe
 * `payment_intent.succeeded` webhook for a pending booking. Latency is counted from the moment a
 * request was due (so a late generator or a full socket pool cannot hide queueing).
 */
import { Agent, request } from 'node:http';
import Stripe from 'stripe';
import { nowMs, sleep } from './stats';
import { quote } from '../../lib/domain/pricing';
import type { Pools, WriteOwner } from './write-db';
import { DAILY_RATE, LISTINGS_PER_OWNER } from './write-db';

/** The three writes. */
export type WriteKind = 'confirm' | 'patch' | 'webhook';
export const WRITE_KINDS: WriteKind[] = ['confirm', 'patch', 'webhook'];

/** One request's fate. `status` 0: socket error or cut at the drain deadline. */
export interface WriteOutcome {
  ownerId: number;
  /** The booking written (NaN when a confirm failed). */
  bookingId: number;
  dueAt: number;
  doneAt: number;
  status: number;
  /** The start of the answer of a failed request (for diagnosis). */
  error?: string;
}

/** What a step of the scheduler produced. */
export interface LoadResult {
  outcomes: WriteOutcome[];
  /** Worst delay of a send behind its due time, ms. */
  lateMs: number;
  startedAt: number;
  /** When the last request was due. */
  endedAt: number;
}

interface Spec {
  ownerId: number;
  bookingId: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS + offset * DAY_MS).toISOString().slice(0, 10);

/** Builds and sends the bench's writes against one server. */
export class WriteClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  private readonly counters: Record<WriteKind, number> = { confirm: 0, patch: 0, webhook: 0 };
  private readonly renterTokens: string[];

  constructor(
    private readonly port: number,
    private readonly owners: WriteOwner[],
    private readonly tokens: { owners: Map<number, string>; renters: Map<number, string> },
    private readonly pools: Pools,
    private readonly webhookSecret: string,
  ) {
    this.renterTokens = [...tokens.renters.values()];
  }

  /** The next write of `kind`; owners in rotation, each pending booking used once. */
  private next(kind: WriteKind): Spec {
    const i = this.counters[kind]++;
    const owner = this.owners[i % this.owners.length];
    if (kind === 'confirm') return this.confirm(i, owner);
    if (kind === 'patch') {
      const bookingId = this.pools.patch.get(owner.ownerId)?.pop();
      if (bookingId === undefined) throw new Error(`PATCH pool of owner ${owner.ownerId} is empty`);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${this.tokens.owners.get(owner.ownerId)}` };
      return {
        ownerId: owner.ownerId,
        bookingId,
        method: 'PATCH',
        path: `/api/hangarshare/owner/bookings/${bookingId}`,
        headers,
        body: '{"booking_status":"confirmed"}',
      };
    }
    const pending = this.pools.webhook.get(owner.ownerId)?.pop();
    if (!pending) throw new Error(`webhook pool of owner ${owner.ownerId} is empty`);
    const created = Math.floor(Date.now() / 1000);
    const intent = { id: pending.intent, object: 'payment_intent', amount: 22_000, amount_received: 22_000, currency: 'brl', status: 'succeeded' };
    const body = JSON.stringify({ id: `evt_bench_${created}_${i}`, object: 'event', type: 'payment_intent.succeeded', created, data: { object: intent } });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: this.webhookSecret });
    return {
      ownerId: owner.ownerId,
      bookingId: pending.bookingId,
      method: 'POST',
      path: '/api/hangarshare/webhook/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
    };
  }

  /**
   * A renter books one of the owner's listings for 1–3 nights, priced as the route prices it (the
   * listing's daily rate, 5 % fee). Listing and check-in day follow from i, so no two requests of a
   * run share listing and dates (the route answers a repeat as a replay, without writing).
   */
  private confirm(i: number, owner: WriteOwner): Spec {
    const m = this.owners.length;
    const hangarId = owner.listings[Math.floor(i / m) % LISTINGS_PER_OWNER];
    const start = 2 + (Math.floor(i / (m * LISTINGS_PER_OWNER)) % 690);
    const nights = 1 + (i % 3);
    const price = quote({ dailyRate: DAILY_RATE, weeklyRate: null, monthlyRate: null }, nights)!;
    const input = { hangarId, checkIn: day(start), checkOut: day(start + nights), totalPrice: price.total, subtotal: price.subtotal, fees: price.fees };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${this.renterTokens[i % this.renterTokens.length]}` };
    return { ownerId: owner.ownerId, bookingId: Number.NaN, method: 'POST', path: '/api/hangarshare/booking/confirm', headers, body: JSON.stringify(input) };
  }

  /** Sends one request; resolves with its outcome (never rejects). */
  private send(spec: Spec, dueAt: number, live: Set<() => void>): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      const out: WriteOutcome = { ownerId: spec.ownerId, bookingId: spec.bookingId, dueAt, doneAt: 0, status: 0 };
      const finish = () => {
        live.delete(cut);
        out.doneAt = nowMs();
        resolve(out);
      };
      const req = request({
        host: '127.0.0.1',
        port: this.port,
        path: spec.path,
        method: spec.method,
        agent: this.agent,
        headers: { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) },
      });
      const cut = () => req.destroy();
      live.add(cut);
      req.on('error', finish);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', finish);
        res.on('end', () => {
          out.status = res.statusCode ?? 0;
          if (out.status >= 300) out.error = text.slice(0, 200);
          else if (Number.isNaN(out.bookingId)) out.bookingId = bookingIdOf(text);
          finish();
        });
      });
      req.end(spec.body);
    });
  }

  /** Sends `kind` at `rate`/s for `seconds` (open loop), then waits up to `drainMs` for the answers and cuts the rest. */
  async run(kind: WriteKind, rate: number, seconds: number, drainMs: number): Promise<LoadResult> {
    const live = new Set<() => void>();
    const pending: Promise<WriteOutcome>[] = [];
    const total = Math.round(rate * seconds);
    const startedAt = nowMs() + 5;
    let lateMs = 0;
    for (let i = 0; i < total; ) {
      const due = startedAt + (i * 1000) / rate;
      const now = nowMs();
      if (due > now + 0.5) {
        await sleep(Math.max(0, due - now - 0.5));
        continue;
      }
      lateMs = Math.max(lateMs, now - due);
      pending.push(this.send(this.next(kind), due, live));
      i++;
    }
    const endedAt = startedAt + ((total - 1) * 1000) / rate;
    const timer = setTimeout(() => {
      for (const cut of [...live]) cut();
    }, drainMs);
    const outcomes = await Promise.all(pending);
    clearTimeout(timer);
    return { outcomes, lateMs, startedAt, endedAt };
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** The booking id of a confirm answer: `booking.id` (both the current and the portal's `{success, booking, payment}` shape), else a top-level `id`. */
function bookingIdOf(text: string): number {
  try {
    const body = JSON.parse(text) as { booking?: { id?: unknown }; id?: unknown };
    return Number(body.booking?.id ?? body.id ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}
