import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../db/client';
import { createBooking, createListing, createOwner, createUser } from '../../test/support/fixtures';
import { MetricsCache, type ComputeFn, type MetricsCacheOptions } from './cache';
import { computeMetrics, computeOwnerMetrics } from './queries';
import { getDb } from '../runtime';

const TZ = 'America/Sao_Paulo';
let db: Db;
let renter: number;
const owners: number[] = [];
const listings: number[] = [];

/** A cache over the real database with a counting aggregator, a controllable clock and a failure switch. */
function harness(extra: Partial<MetricsCacheOptions> = {}) {
  const calls: number[][] = [];
  const reused: number[][] = [];
  const months: string[] = [];
  const state: { now: number; dbDown: boolean; hold?: Promise<void>; held?: boolean } = { now: Date.now(), dbDown: false };
  const compute: ComputeFn = async (q, ids, opts) => {
    if (state.dbDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    calls.push([...ids]);
    reused.push([...(opts.knownHistory?.keys() ?? [])]);
    months.push(opts.refreshMonth ?? '');
    const result = await computeMetrics(q, ids, opts);
    const hold = state.hold; // holds the next computation *after* it has read the database
    state.hold = undefined;
    if (hold) {
      state.held = true;
      await hold;
    }
    return result;
  };
  const logger = { error: vi.fn(), info: vi.fn() };
  const cache = new MetricsCache({ db, timeZone: TZ, clock: () => state.now, compute, logger, ...extra });
  return { cache, calls, reused, months, state, logger };
}

beforeAll(async () => {
  db = await getDb();
  renter = (await createUser(db)).userId;
  for (let i = 0; i < 3; i++) {
    const owner = (await createOwner(db)).ownerId;
    owners.push(owner);
    const listing = (await createListing(db, owner, { totalSpaces: 2 })).id;
    listings.push(listing);
    for (let k = 0; k <= i; k++) await createBooking(db, listing, renter, { status: 'confirmed', totalPrice: 100, createdAt: new Date(Date.now() - 60_000) });
  }
});

describe('MetricsCache', () => {
  it('single flight: 100 concurrent reads of one owner cause one computation', async () => {
    const { cache, calls } = harness();
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.get(owners[2])));
    expect(calls).toEqual([[owners[2]]]);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0].bookingsToday).toBe(3);
  });

  it('serves a value for ttlMs, then recomputes', async () => {
    const { cache, calls, state } = harness({ ttlMs: 1_000 });
    await cache.get(owners[0]);
    state.now += 999;
    await cache.get(owners[0]);
    expect(calls.length).toBe(1);
    state.now += 1;
    await cache.get(owners[0]);
    expect(calls.length).toBe(2);
  });

  it('refresh computes many owners in one aggregator call, sharing a computation already in flight', async () => {
    const { cache, calls } = harness();
    const first = cache.get(owners[0]);
    const values = await cache.refresh([owners[0], owners[1], owners[2], owners[1]]);
    expect(calls).toHaveLength(2);
    expect(calls).toContainEqual([owners[0]]);
    expect(calls).toContainEqual([owners[1], owners[2]]);
    expect([...values.keys()].sort()).toEqual([...owners].sort());
    expect(values.get(owners[0])).toBe(await first);
    expect(values.get(owners[1])!.bookingsToday).toBe(2);
  });

  it('batches the misses of different owners in one event-loop turn into one computation', async () => {
    const { cache, calls } = harness();
    const reads = owners.flatMap((id) => [cache.get(id), cache.get(id)]);
    const values = await Promise.all(reads);
    expect(calls).toEqual([owners]);
    expect(values.map((v) => v.bookingsToday)).toEqual([1, 1, 2, 2, 3, 3]);
    await new Promise((r) => setImmediate(r));
    cache.invalidate(owners[0]);
    await cache.get(owners[0]); // a later turn: a batch of its own
    expect(calls).toEqual([owners, [owners[0]]]);
  });

  it('invalidate makes the next read recompute, and never caches a computation that started before it', async () => {
    const { cache, calls, state } = harness();
    await cache.get(owners[0]);
    cache.invalidate(owners[0]);
    await cache.get(owners[0]);
    expect(calls.length).toBe(2);
    await cache.get(owners[0]); // fresh again: no computation
    expect(calls.length).toBe(2);

    let release!: () => void;
    state.hold = new Promise<void>((r) => (release = r));
    const racing = cache.get(owners[1]); // reads the database, then is held …
    await vi.waitFor(() => expect(state.held).toBe(true));
    await createBooking(db, listings[1], renter, { status: 'pending', createdAt: new Date(Date.now() - 1_000) });
    cache.invalidate(owners[1]); // … while a change commits and invalidates the owner
    const after = await cache.get(owners[1]); // must not join the held computation
    expect(calls.length).toBe(4);
    release();
    const old = await racing;
    expect(after.bookingsToday).toBe(old.bookingsToday + 1);
    expect(await cache.get(owners[1])).toBe(after); // the late, older result was not cached
    expect(calls.length).toBe(4);
  });

  it('serves the last good values as stale while the database fails, logging once; recovers and logs once', async () => {
    const { cache, state, logger } = harness({ ttlMs: 100 });
    const good = await cache.get(owners[0]);
    state.dbDown = true;
    for (let i = 0; i < 5; i++) {
      state.now += 200;
      const served = await cache.get(owners[0]);
      expect(served).toEqual({ ...good, stale: true });
      const batch = await cache.refresh([owners[0]]);
      expect(batch.get(owners[0])!.stale).toBe(true);
    }
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0][1])).toMatch(/ECONNREFUSED/);
    expect(logger.info).not.toHaveBeenCalled();
    expect(cache.isFailing).toBe(true);
    state.dbDown = false;
    state.now += 200;
    const fresh = await cache.get(owners[0]);
    expect(fresh.stale).toBe(false);
    expect(fresh.lastUpdate).toBe(state.now);
    await cache.refresh([owners[0], owners[1]]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('rethrows when the database fails and there is no last good value; refresh leaves such owners out', async () => {
    const { cache, state, logger } = harness();
    await cache.get(owners[0]);
    state.dbDown = true;
    await expect(cache.get(owners[1])).rejects.toThrow(/ECONNREFUSED/);
    const batch = await cache.refresh([owners[0], owners[1]]);
    expect([...batch.keys()]).toEqual([owners[0]]);
    expect(batch.get(owners[0])!.stale).toBe(true);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('carries closed months over, recounting one per computation in rotation; invalidate drops them', async () => {
    const { cache, calls, reused, months, state } = harness({ ttlMs: 1_000 });
    await cache.refresh(owners);
    expect(reused.at(-1)).toEqual([]);
    state.now += 1_000;
    const second = await cache.refresh(owners);
    expect(reused.at(-1)).toEqual(owners);
    for (const id of owners) expect(second.get(id)).toEqual(await computeOwnerMetrics(db, id, { now: new Date(state.now), timeZone: TZ }));

    // An old booking written behind the app's back (no invalidate) shows in its month within 11 computations.
    const created = new Date(state.now - 40 * 86_400_000);
    await createBooking(db, listings[0], renter, { status: 'completed', createdAt: created });
    const label = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).format(created).slice(0, 7);
    const countIn = (m: { bookingsByMonth: { month: string; count: number }[] }) => m.bookingsByMonth.find((x) => x.month === label)!.count;
    const before = countIn(second.get(owners[0])!);
    const seen: number[] = [];
    for (let i = 0; i < 11; i++) {
      state.now += 1_000;
      seen.push(countIn((await cache.refresh([owners[0]])).get(owners[0])!));
    }
    expect(seen.at(-1)).toBe(before + 1);
    expect(new Set(months.slice(-11)).size).toBe(11); // eleven different months recounted
    expect(seen.filter((n) => n === before).length).toBeGreaterThan(0); // … and not at once: it was carried over

    cache.invalidate(owners[1]);
    state.now += 1_000;
    await cache.refresh(owners);
    expect(reused.at(-1)).toEqual([owners[0], owners[2]]);
    expect(calls.length).toBe(14);

    // An event that cannot touch past months keeps them; a later one that can still drops them.
    cache.invalidate(owners[0], { keepClosedMonths: true });
    state.now += 1_000;
    await cache.refresh(owners);
    expect(reused.at(-1)).toEqual(owners);
    cache.invalidate(owners[2], { keepClosedMonths: true });
    cache.invalidate(owners[2]);
    cache.invalidate(owners[2], { keepClosedMonths: true });
    state.now += 1_000;
    await cache.refresh(owners);
    expect(reused.at(-1)).toEqual([owners[0], owners[1]]);
  });

  it('keeps no per-owner bookkeeping for owners with nothing computing (events of many owners do not grow it)', async () => {
    const { cache } = harness();
    const internals = cache as unknown as { generations: Map<number, number>; outstanding: Map<number, number> };
    for (let id = 1_000_000; id < 1_010_000; id++) cache.invalidate(id);
    expect(internals.generations.size).toBe(0);
    const racing = cache.get(owners[0]);
    cache.invalidate(owners[0]);
    expect(internals.generations.size).toBe(1);
    await racing;
    await vi.waitFor(() => expect(internals.outstanding.size + internals.generations.size).toBe(0));
  });
});
