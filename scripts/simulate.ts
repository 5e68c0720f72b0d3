/**
 * `npm run simulate`: demo traffic for a running server, through its real HTTP routes, so an open
 * owner dashboard has something to show. Every few seconds it does one of: a renter books a
 * hangar (`POST /api/hangarshare/booking/confirm`, at the price its rates give; some stays start
 * now, so occupancy moves), the admin completes or cancels a booking
 * (`PATCH /api/hangarshare/owner/bookings/[id]`), the renter cancels one
 * (`POST /api/hangarshare/booking/cancel`), or Stripe "pays" one (`POST /api/hangarshare/webhook/stripe`,
 * signed with STRIPE_WEBHOOK_SECRET).
 *
 * Environment: BASE_URL (http://localhost:3000), SIMULATE_INTERVAL_MS (4000), SIMULATE_COUNT
 * (unlimited; stop after this many actions), STRIPE_WEBHOOK_SECRET (payments are skipped without
 * it; it must be the server's). Stop with Ctrl-C.
 */
import { ACCOUNTS, ApiError, DAY_MS, HangarApi, stay, type Booking, type Listing } from '../e2e/api';

const BASE_URL = process.env.BASE_URL ?? 'http://localhost:3000';
const INTERVAL_MS = Number(process.env.SIMULATE_INTERVAL_MS ?? 4000);
const COUNT = Number(process.env.SIMULATE_COUNT ?? Infinity);
const SECRET = process.env.STRIPE_WEBHOOK_SECRET;
const RENTERS = 8;

const api = new HangarApi(BASE_URL, SECRET);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
const log = (msg: string) => console.log(`${new Date().toLocaleTimeString('pt-BR')}  ${msg}`);

interface World {
  adminToken: string;
  renterTokens: string[];
  listings: Listing[];
  /** Bookings this run made that are still confirmed (with their renter's token), and those not yet paid. */
  open: { booking: Booking; token: string }[];
  unpaid: Booking[];
}

async function setup(): Promise<World> {
  const admin = await api.login(ACCOUNTS.admin);
  const owners = await Promise.all([ACCOUNTS.owner1, ACCOUNTS.owner2, ACCOUNTS.owner3].map((a) => api.login(a)));
  const ownerIds = owners.flatMap((o) => o.owners.map((p) => p.id));
  const listings = (await Promise.all(ownerIds.map((id) => api.activeListings(admin.token, id)))).flat();
  const renters = await Promise.all(Array.from({ length: RENTERS }, (_, i) => api.login({ email: `renter${i + 1}@hangarshare.demo`, password: 'renter1234' })));
  log(`${BASE_URL}: ${listings.length} active listings of owners ${ownerIds.join(', ')}, ${renters.length} renters`);
  if (!SECRET) log("STRIPE_WEBHOOK_SECRET is not set: payments are skipped (set it to the server's value to simulate them).");
  return { adminToken: admin.token, renterTokens: renters.map((r) => r.token), listings, open: [], unpaid: [] };
}

async function book(w: World): Promise<void> {
  const now = Math.random() < 0.35; // a stay that has begun changes occupancy
  const when = now
    ? stay(-Math.floor(Math.random() * 6) * 3_600_000, 1 + Math.floor(Math.random() * 5))
    : stay((2 + Math.floor(Math.random() * 60)) * DAY_MS, 1 + Math.floor(Math.random() * 10));
  const shuffled = [...w.listings].sort(() => Math.random() - 0.5);
  const token = pick(w.renterTokens);
  const made = await api.bookAny(token, shuffled.slice(0, 8), when);
  if (!made) return log('booking: no listing had room for that stay');
  w.open.push({ booking: made.booking, token });
  w.unpaid.push(made.booking);
  log(`booking #${made.booking.id} at ${made.listing.hangarNumber}: R$ ${made.booking.totalPrice.toFixed(2)}${now ? ' (starts now)' : ''}`);
}

async function changeStatus(w: World): Promise<void> {
  const next = w.open.shift();
  if (!next) return book(w);
  const { booking: b, token } = next;
  const r = Math.random();
  if (r < 0.15) {
    const { refundAmount } = await api.cancel(token, b.id, 'Mudança de planos');
    return log(`booking #${b.id} cancelled by the renter (refund R$ ${refundAmount.toFixed(2)})`);
  }
  const status = r < 0.8 ? 'completed' : 'cancelled';
  await api.setStatus(w.adminToken, b.id, status);
  log(`booking #${b.id} → ${status}`);
}

async function pay(w: World): Promise<void> {
  const b = w.unpaid.shift();
  if (!b || !SECRET) return book(w);
  const reply = await api.pay(b);
  log(`payment for booking #${b.id}: R$ ${b.totalPrice.toFixed(2)} (${String(reply.ignored ?? reply.status ?? 'ok')})`);
}

async function tick(w: World): Promise<void> {
  const r = Math.random();
  try {
    if (r < 0.5) await book(w);
    else if (r < 0.75) await pay(w);
    else await changeStatus(w);
  } catch (err) {
    log(err instanceof ApiError ? `refused: ${err.message}` : `failed: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const world = await setup();
  let stop = false;
  process.on('SIGINT', () => (stop = true));
  for (let i = 0; i < COUNT && !stop; i++) {
    await tick(world);
    if (i + 1 < COUNT) await new Promise((r) => setTimeout(r, INTERVAL_MS * (0.5 + Math.random())));
  }
}

main().catch((err: unknown) => {
  console.error(`simulate: ${(err as Error).message}\nIs the server running at ${BASE_URL}? (npm start)`);
  process.exit(1);
});
