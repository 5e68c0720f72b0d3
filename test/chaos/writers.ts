/**
 * The chaos run's writers, each with its own seeded choices:
 *  - `RouteWriter` commits through the real routes of a random instance: `POST
 *    /api/hangarshare/booking/confirm` (renter) and `PATCH /api/hangarshare/owner/bookings/[id]`;
 *  - `TxWriter` commits from the test process with `transactWithEvents` against the same database:
 *    multi-event (and multi-owner) transactions, rollbacks, large payloads;
 *  - `bigTransaction` commits one transaction of more than 1 000 events.
 * Outcomes of route writes do not matter (an instance may be down): the log is the truth. What the
 * test process commits or rolls back is remembered, to check the log against it.
 */
import { sql } from 'drizzle-orm';
import { rows, type Queryable } from '../../lib/db/client';
import type { DomainEventData, DomainEventType } from '../../lib/realtime/wire/events';
import type { Emit } from '../../lib/realtime/log/publish';
import { ONE_NIGHT_AT_DEFAULT_RATE } from '../support/fixtures';
import { eventHash, type Rng } from './prng';

export interface OwnerFixture {
  ownerId: number;
  userId: number;
  token: string;
  listingId: number;
}

export interface WriterEnv {
  now(): number;
  url(instance: number): string | undefined;
  instances: number;
  owners: readonly OwnerFixture[];
  /** How often each owner is written to (same order as `owners`): a few hot owners, a long tail. */
  weights: readonly number[];
  renterToken: string;
  renterUserId: number;
  adminToken: string;
  seed: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An owner drawn by the run's weights. */
const pickOwner = (rng: Rng, env: WriterEnv): OwnerFixture => rng.weighted(env.owners.map((o, i) => [env.weights[i], o] as const));

/** Counters of what a writer did (for the run summary). */
export interface WriterStats {
  ok: number;
  failed: number;
  events: number;
  rolledBack: number;
}

const newStats = (): WriterStats => ({ ok: 0, failed: 0, events: 0, rolledBack: 0 });

export class RouteWriter {
  readonly stats = newStats();
  private stopped = false;
  private loop?: Promise<void>;
  private n = 0;
  /** Bookings this writer created, by owner. */
  private readonly bookings = new Map<number, number[]>();

  constructor(
    private readonly index: number,
    private readonly rng: Rng,
    private readonly env: WriterEnv,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const owner = pickOwner(this.rng, this.env);
      const instance = this.rng.int(0, this.env.instances - 1);
      // Every choice is drawn each round, whatever came before, so the draws stay in step with the
      // seed; only which booking a PATCH names depends on what earlier requests created.
      const wantPatch = this.rng.chance(0.35);
      const which = this.rng.float();
      const mine = this.bookings.get(owner.ownerId) ?? [];
      const op = wantPatch && mine.length > 0 ? 'patch' : 'confirm';
      const url = this.env.url(instance);
      const patchId = mine.length > 0 ? mine[Math.floor(which * mine.length)] : 0;
      const status = this.rng.pick(['confirmed', 'completed', 'cancelled'] as const);
      const asAdmin = this.rng.chance(0.3);
      const day = this.rng.int(2, 700);
      this.rng.int(0, 99_999); // was a random price; booking/confirm now checks it, but the draw keeps each seed's choices
      const price = ONE_NIGHT_AT_DEFAULT_RATE;
      const pause = this.rng.int(20, 150);
      if (url) {
        try {
          if (op === 'confirm') await this.confirm(url, owner, day, price);
          else await this.patch(url, asAdmin ? this.env.adminToken : owner.token, patchId, status);
        } catch {
          this.stats.failed++;
        }
      }
      await sleep(pause);
    }
  }

  /** One booking for `owner` through `url`, outside the writer's loop (a fault task's). */
  confirmFor(url: string, owner: OwnerFixture, day: number): Promise<void> {
    return this.confirm(url, owner, day, 100 + day / 100);
  }

  private async confirm(url: string, owner: OwnerFixture, day: number, price: number): Promise<void> {
    const n = ++this.n;
    // Distinct stays (never an idempotent repeat), within the two years the route accepts.
    const checkIn = new Date(Date.now() + day * 86_400_000 + ((this.index * 997 + n) % 10_000) * 60_000);
    const res = await fetch(`${url}/api/hangarshare/booking/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.env.renterToken}` },
      body: JSON.stringify({
        hangarId: owner.listingId,
        checkIn: checkIn.toISOString(),
        checkOut: new Date(checkIn.getTime() + 86_400_000).toISOString(),
        userId: this.env.renterUserId,
        totalPrice: price,
      }),
    });
    const body = (await res.json().catch(() => ({}))) as { booking?: { id: number | string } };
    if (res.status === 200 && body.booking) {
      this.stats.ok++;
      const list = this.bookings.get(owner.ownerId) ?? [];
      list.push(Number(body.booking.id));
      this.bookings.set(owner.ownerId, list);
    } else this.stats.failed++;
  }

  private async patch(url: string, token: string, id: number, status: string): Promise<void> {
    const res = await fetch(`${url}/api/hangarshare/owner/bookings/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ booking_status: status }),
    });
    await res.body?.cancel();
    if (res.ok) this.stats.ok++;
    else this.stats.failed++;
  }
}

/** A committed event as the test process saw it, to check the log against. */
export interface Committed {
  ownerId: number;
  seq: number;
  hash: number;
}

/** The payload of a random domain event; `marker` lands in a string field so the log can be searched for it. */
export function randomEvent(rng: Rng, marker: string, bigText = 0): { type: DomainEventType; data: DomainEventData[DomainEventType] } {
  const type =
    bigText > 0 ? 'booking_created' : rng.pick(['booking_created', 'booking_updated', 'booking_completed', 'occupancy_changed', 'revenue_received'] as const);
  const id = String(rng.int(1, 1_000_000));
  const amount = rng.int(100, 99_999) / 100;
  switch (type) {
    case 'booking_created':
      return {
        type,
        data: {
          id,
          guestName: bigText > 0 ? `${marker} ${'x'.repeat(bigText)}` : `Guest ${marker}`,
          hangarId: rng.int(1, 99),
          hangarNumber: `H-${rng.int(1, 99)}`,
          checkIn: '2030-01-01T00:00:00.000Z',
          checkOut: '2030-01-03T00:00:00.000Z',
          amount,
          duration: 2,
          status: 'pending',
        },
      };
    case 'booking_updated':
    case 'booking_completed':
      return {
        type,
        data: {
          id: `${id} ${marker}`,
          hangarId: 1,
          hangarNumber: 'H-1',
          status: type === 'booking_completed' ? 'completed' : 'confirmed',
          previousStatus: 'pending',
          amount,
        },
      };
    case 'occupancy_changed':
      return {
        type,
        data: {
          hangarId: rng.int(1, 99),
          hangarNumber: marker,
          occupancyRate: rng.int(0, 100),
          totalSpots: 10,
          occupiedSpots: rng.int(0, 10),
          isNowOccupied: rng.chance(0.5),
          timestamp: 1_900_000_000_000,
        },
      };
    case 'revenue_received':
      return { type, data: { bookingId: id, amount, currency: 'BRL', paymentIntentId: `pi_${marker}`, receivedAt: '2030-01-01T00:00:00.000Z' } };
  }
}

async function emitAll(emit: Emit, events: { ownerId: number; type: DomainEventType; data: DomainEventData[DomainEventType] }[], into: Committed[]) {
  for (const e of events) {
    const logged = await emit(e.ownerId, e.type, e.data as never);
    into.push({ ownerId: e.ownerId, seq: logged.seq, hash: eventHash(e.type, e.data) });
  }
}

/** Writes through `transactWithEvents` in the test process itself. */
export class TxWriter {
  readonly stats = newStats();
  readonly committed: Committed[] = [];
  /** Markers of transactions that were rolled back: none may reach the log. */
  readonly rolledBackMarkers: string[] = [];
  private stopped = false;
  private loop?: Promise<void>;
  private n = 0;

  constructor(
    private readonly rng: Rng,
    private readonly env: WriterEnv,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const { transactWithEvents } = await import('../../lib/realtime/log/publish');
    while (!this.stopped) {
      const op = this.rng.weighted([
        [5, 'multi'],
        [2, 'rollback'],
        [2, 'large'],
        [1, 'burst'],
      ] as const);
      const marker = `[chaos${this.env.seed}-tx${++this.n}]`;
      const single = op === 'large' || op === 'burst';
      const owners = [...new Set(Array.from({ length: single ? 1 : this.rng.int(1, 3) }, () => pickOwner(this.rng, this.env).ownerId))].sort((a, b) => a - b);
      // A burst is what overflows a stalled reader's queue: many sizeable events at once.
      const count = op === 'large' ? 1 : op === 'burst' ? this.rng.int(20, 150) : this.rng.int(owners.length, 8);
      const text = op === 'large' ? this.rng.int(4, 16) * 1024 : op === 'burst' ? this.rng.int(1, 6) * 1024 : 0;
      // Owners in ascending order inside a transaction: two multi-owner writers never deadlock.
      const events = Array.from({ length: count }, (_, i) => ({
        ownerId: owners[Math.min(owners.length - 1, Math.floor((i * owners.length) / count))],
        ...randomEvent(this.rng, marker, text),
      }));
      const pause = this.rng.int(30, 200);
      const got: Committed[] = [];
      try {
        await transactWithEvents(async (_tx, emit) => {
          await emitAll(emit, events, got);
          if (op === 'rollback') throw new RollbackError();
        });
        this.committed.push(...got);
        this.stats.ok++;
        this.stats.events += got.length;
      } catch (err) {
        if (err instanceof RollbackError) {
          this.rolledBackMarkers.push(marker);
          this.stats.rolledBack++;
        } else this.stats.failed++;
      }
      await sleep(pause);
    }
  }
}

class RollbackError extends Error {
  constructor() {
    super('chaos: rolled back on purpose');
  }
}

/**
 * One transaction of `count` events for `ownerId` (small payloads). The emits are issued 200 at a
 * time without waiting for each other: postgres.js pipelines them on the transaction's connection
 * in call order (so sequence numbers follow it), which makes 5 000 events take a second or two
 * instead of ten on a busy machine. `beforeCommit` runs inside the transaction, after the emits.
 */
export async function bigTransaction(rng: Rng, seed: number, ownerId: number, count: number, beforeCommit?: () => Promise<void>): Promise<Committed[]> {
  const { transactWithEvents } = await import('../../lib/realtime/log/publish');
  const marker = `[chaos${seed}-big]`;
  const events = Array.from({ length: count }, () => ({ ownerId, ...randomEvent(rng, marker) }));
  const got: Committed[] = [];
  await transactWithEvents(async (_tx, emit) => {
    for (let i = 0; i < events.length; i += 200) {
      const chunk = events.slice(i, i + 200);
      const logged = await Promise.all(chunk.map((e) => emit(e.ownerId, e.type, e.data as never)));
      logged.forEach((l, k) => got.push({ ownerId, seq: l.seq, hash: eventHash(chunk[k].type, chunk[k].data) }));
    }
    await beforeCommit?.();
  });
  return got;
}

/**
 * Resolves once `n` backends of this database wait for a lock (e.g. for an owner's sequence row
 * that an open transaction holds), or after `ms`.
 */
export async function waitForLockWaiters(db: Queryable, n: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [r] = await rows<{ n: number }>(
      db,
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (r.n >= n) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}
