/**
 * The write floor's transactions: the SQL the three write routes need, written straight in
 * postgres.js (no Drizzle, no domain layer), one statement per step. Each transaction locks the
 * listing row (`SELECT … FOR UPDATE`, the app's per-listing lock), checks, writes, takes the
 * owner's next sequence numbers (`owner_sequences` upsert), appends the events to
 * `realtime_events` and queues `pg_notify('hangarshare_events', 'ownerId:seq')` — the same rows,
 * locks and notifications as the app, in as few round trips as that takes.
 */
import type postgres from 'postgres';

/** An event as logged: what the floor writes to the owner's streams after commit. */
export interface LoggedRow {
  seq: string;
  type: string;
  payload: unknown;
  created_at: Date;
}

/** A committed write: whose streams get which events, and the HTTP answer. */
export interface Written {
  ownerId: number;
  events: LoggedRow[];
  status: number;
  body: unknown;
}

/** A refusal with its HTTP status. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

type Tx = postgres.TransactionSql;

/** Appends `events` for `ownerId` and queues the NOTIFY of the last one: one statement (sequence upsert, insert, notify). */
async function logEvents(tx: Tx, ownerId: number, events: [string, unknown][]): Promise<LoggedRow[]> {
  const k = events.length;
  return tx<LoggedRow[]>`with next as (
      insert into owner_sequences (owner_id, last_seq) values (${ownerId}, ${k})
      on conflict (owner_id) do update set last_seq = owner_sequences.last_seq + ${k} returning last_seq),
    announced as (select pg_notify('hangarshare_events', ${ownerId} || ':' || last_seq) from next)
    insert into realtime_events (owner_id, seq, type, payload)
    select ${ownerId}, next.last_seq - ${k} + x.i, x.t, x.p::jsonb
    from next, (select count(*) from announced) as a,
      unnest(${tx.array(events.map((e) => e[0]))}::text[], ${tx.array(events.map((e) => JSON.stringify(e[1])))}::text[]) with ordinality as x(t, p, i)
    returning seq, type, payload, created_at`;
}

/** The `booking_confirm` body the floor reads. */
export interface ConfirmInput {
  hangarId: number;
  checkIn: string;
  checkOut: string;
  totalPrice: number;
  subtotal?: number;
  fees?: number;
}

/** booking/confirm: lock the listing, check it, count the overlapping bookings, insert, log `booking_created`. */
export function confirmTx(sql: postgres.Sql, renter: { id: number; name: string }, b: ConfirmInput): Promise<Written> {
  const checkIn = new Date(b.checkIn);
  const checkOut = new Date(b.checkOut);
  if (!(checkOut > checkIn)) throw new Refused(400, 'invalid_dates');
  const nights = Math.ceil((checkOut.getTime() - checkIn.getTime()) / 86_400_000);
  return sql.begin(async (tx) => {
    const [l] = await tx`select id, owner_id, status, is_available, total_spaces, hangar_number from hangar_listings where id = ${b.hangarId} for update`;
    if (!l) throw new Refused(404, 'listing_not_found');
    if (l.status !== 'active' || l.is_available === false) throw new Refused(409, 'listing_not_active');
    const [{ n }] = await tx`select count(*)::int as n from hangar_bookings
      where hangar_id = ${l.id} and status in ('pending', 'confirmed') and check_in < ${checkOut} and check_out > ${checkIn}`;
    if (n + 1 > (l.total_spaces ?? 1)) throw new Refused(409, 'no_availability');
    const [row] =
      await tx`insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, subtotal, fees, total_price, status, payment_method, stripe_payment_intent_id, created_at, updated_at)
      values (${l.id}, ${renter.id}, ${checkIn}, ${checkOut}, ${nights}, ${b.subtotal ?? null}, ${b.fees ?? null}, ${b.totalPrice}, 'confirmed', 'stripe', ${`pi_floor_${Date.now()}_${Math.random().toString(36).slice(2)}`}, now(), now())
      returning id, status`;
    const data = {
      id: String(row.id),
      guestName: renter.name,
      hangarId: l.id,
      hangarNumber: l.hangar_number,
      checkIn: checkIn.toISOString(),
      checkOut: checkOut.toISOString(),
      amount: b.totalPrice,
      duration: nights,
      status: row.status,
    };
    const events = await logEvents(tx, l.owner_id, [['booking_created', data]]);
    return { ownerId: l.owner_id, events, status: 201, body: { booking: { id: row.id, status: row.status }, created: true } };
  });
}

/** The booking and its listing, both locked (listing first, as the app orders its locks). */
const LOCKED = (tx: Tx, where: postgres.PendingQuery<postgres.Row[]>) => tx`
  select b.id, b.status, b.total_price, l.id as hangar_id, l.owner_id, l.hangar_number
  from hangar_bookings b join hangar_listings l on l.id = b.hangar_id ${where}
  order by b.id limit 1 for update of l, b`;

/** The status change both PATCH and the webhook make: update the row, the `booking_updated` payload. */
async function confirmPending(tx: Tx, b: postgres.Row): Promise<[string, unknown]> {
  await tx`update hangar_bookings set status = 'confirmed', updated_at = now() where id = ${b.id}`;
  return [
    'booking_updated',
    { id: String(b.id), hangarId: b.hangar_id, hangarNumber: b.hangar_number, status: 'confirmed', previousStatus: b.status, amount: Number(b.total_price) },
  ];
}

/** PATCH owner/bookings/[id] to `confirmed`, as the listing's owner (one locking read checks ownership too). */
export function patchTx(sql: postgres.Sql, userId: number, bookingId: number): Promise<Written> {
  return sql.begin(async (tx) => {
    const [b] = await LOCKED(tx, tx`join hangar_owners o on o.id = l.owner_id where b.id = ${bookingId} and o.user_id = ${userId}`);
    if (!b) throw new Refused(404, 'booking_not_found');
    if (b.status === 'confirmed') return { ownerId: b.owner_id, events: [], status: 200, body: { booking: { id: b.id, status: b.status }, changed: false } };
    if (b.status !== 'pending') throw new Refused(409, 'invalid_transition');
    const events = await logEvents(tx, b.owner_id, [await confirmPending(tx, b)]);
    return { ownerId: b.owner_id, events, status: 200, body: { booking: { id: b.id, status: 'confirmed' }, changed: true } };
  });
}

/** A verified `payment_intent.succeeded`: record the event id once, confirm a pending booking, log the change and `revenue_received`. */
export function paidTx(sql: postgres.Sql, eventId: string, intent: { id: string; amount_received?: number }): Promise<Written | undefined> {
  return sql.begin(async (tx) => {
    const [b] = await LOCKED(tx, tx`where b.stripe_payment_intent_id = ${intent.id}`);
    if (!b) return undefined;
    const [fresh] =
      await tx`insert into stripe_events (event_id, type) values (${eventId}, 'payment_intent.succeeded') on conflict do nothing returning event_id`;
    if (!fresh) return { ownerId: b.owner_id, events: [], status: 200, body: { received: true, duplicate: true } };
    if (b.status === 'cancelled' || b.status === 'rejected')
      return { ownerId: b.owner_id, events: [], status: 200, body: { received: true, ignored: `booking_${b.status}` } };
    const updated = b.status === 'pending' ? [await confirmPending(tx, b)] : [];
    const revenue = {
      bookingId: String(b.id),
      amount: (intent.amount_received ?? 0) / 100,
      currency: 'BRL',
      paymentIntentId: intent.id,
      receivedAt: new Date().toISOString(),
    };
    const events = await logEvents(tx, b.owner_id, [...updated, ['revenue_received', revenue]]);
    return { ownerId: b.owner_id, events, status: 200, body: { received: true, bookingId: String(b.id), status: 'confirmed' } };
  });
}
