import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../db/client';
import { createBooking, createListing, createOwner, createUser } from '../../test/support/fixtures';
import { MetricsCache, type ComputeFn } from './cache';
import { MetricsPoller } from './poller';
import { computeMetrics } from './queries';
import type { LoggedEvent } from '../realtime/wire/events';
import type { MetricsSink, MetricsSnapshot } from './types';
import { getDb } from '../runtime';

let db: Db;
let renter: number;
const owners: number[] = [];
/** A committed `booking_created` of `ownerId`, as the hub hands it over (only owner and type matter here). */
const bookingCreated = (ownerId: number): LoggedEvent => ({ ownerId, seq: 0, type: 'booking_created', data: {} as never, timestamp: Date.now() });
const listings: number[] = [];
const stops: (() => void)[] = [];

/** A hub stand-in: a settable set of connected owners and a record of every push. */
function fakeSink(connected: number[] = []) {
  const pushes: { ownerId: number; metrics: MetricsSnapshot }[] = [];
  const sink: MetricsSink & { connected: Set<number> } = {
    connected: new Set(connected),
    connectedOwners: () => [...sink.connected],
    pushMetrics: (ownerId, metrics) => pushes.push({ ownerId, metrics }),
  };
  return { sink, pushes };
}

function start(sink: MetricsSink, intervalMs: number) {
  const calls: number[][] = [];
  const compute: ComputeFn = async (q, ids, opts) => {
    calls.push([...ids].sort((a, b) => a - b));
    return computeMetrics(q, ids, opts);
  };
  const source = new MetricsCache({ db, timeZone: 'America/Sao_Paulo', compute });
  const poller = new MetricsPoller({ source, intervalMs });
  poller.start(sink);
  const stop = () => poller.stop();
  stops.push(stop);
  return { calls, poller, stop, source };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const book = (i: number) => createBooking(db, listings[i], renter, { status: 'confirmed', totalPrice: 10, createdAt: new Date(Date.now() - 60_000) });

beforeAll(async () => {
  db = await getDb();
  renter = (await createUser(db)).userId;
  for (let i = 0; i < 3; i++) {
    owners.push((await createOwner(db)).ownerId);
    listings.push((await createListing(db, owners[i])).id);
    await book(i);
  }
});

afterEach(() => {
  while (stops.length) stops.pop()!();
  vi.restoreAllMocks();
});

describe('MetricsPoller', () => {
  it('runs no query at all while nobody is connected', async () => {
    const { sink, pushes } = fakeSink();
    const { calls } = start(sink, 20);
    await sleep(150);
    expect(calls).toEqual([]);
    expect(pushes).toEqual([]);
  });

  it('refreshes only the connected owners, in one batch per tick, and pushes only when values change', async () => {
    const { sink, pushes } = fakeSink([owners[0], owners[2]]);
    const { calls } = start(sink, 25);
    await vi.waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(4), { timeout: 5_000 });
    expect(new Set(calls.map((c) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify([owners[0], owners[2]].sort((a, b) => a - b))]));
    expect(pushes.map((p) => p.ownerId).sort()).toEqual([owners[0], owners[2]].sort()); // first values, then nothing new
    await book(2); // a change without any event: the next tick finds it
    await vi.waitFor(() => expect(pushes.length).toBe(3), { timeout: 5_000 });
    const first = pushes.find((p) => p.ownerId === owners[2])!;
    expect(pushes[2].ownerId).toBe(owners[2]);
    expect(pushes[2].metrics.bookingsToday).toBe(first.metrics.bookingsToday + 1);
    const ticks = calls.length;
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(ticks + 2), { timeout: 5_000 });
    expect(pushes.length).toBe(3);
  });

  it('pushes fresh metrics right after an owner changed, for a connected owner, ignoring unconnected ones', async () => {
    const { sink, pushes } = fakeSink([owners[1]]);
    const { calls, poller, source } = start(sink, 3_600_000); // no tick during the test
    const invalidate = vi.spyOn(source, 'invalidate');
    const before = await source.get(owners[1]);
    await book(1);
    poller.changed(bookingCreated(owners[1]));
    poller.changed(bookingCreated(owners[0]));
    await vi.waitFor(() => expect(pushes.length).toBe(1), { timeout: 5_000, interval: 2 });
    expect(pushes[0].ownerId).toBe(owners[1]);
    expect(pushes[0].metrics.bookingsToday).toBe(before.bookingsToday + 1);
    expect(invalidate.mock.calls.map((c) => c[0]).sort()).toEqual([owners[0], owners[1]].sort()); // both invalidated …
    expect(calls.at(-1)).toEqual([owners[1]]); // … only the connected one recomputed
  });

  it('coalesces a burst of events into one batched recomputation', async () => {
    const { sink, pushes } = fakeSink([owners[0], owners[1], owners[2]]);
    const { calls, poller } = start(sink, 3_600_000);
    await book(0);
    await book(2);
    for (let i = 0; i < 30; i++) poller.changed(bookingCreated(owners[i % 2 === 0 ? 0 : 2]));
    await vi.waitFor(() => expect(pushes.length).toBe(2), { timeout: 2_000 });
    expect(calls).toEqual([[owners[0], owners[2]].sort((a, b) => a - b)]);
  });

  it('stop() clears the timer and ignores later changes; timers never hold the process open', async () => {
    const timers: NodeJS.Timeout[] = [];
    const realInterval = globalThis.setInterval;
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms: number) => {
      const t = realInterval(fn, ms);
      timers.push(t);
      return t;
    }) as typeof setInterval);
    const { sink } = fakeSink([owners[0]]);
    const { calls, poller, stop } = start(sink, 20);
    expect(timers).toHaveLength(1);
    expect(timers[0].hasRef()).toBe(false);
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(0));
    stop();
    await sleep(30); // a tick already running may finish
    const n = calls.length;
    poller.changed(bookingCreated(owners[0]));
    await sleep(100);
    expect(calls.length).toBe(n);
  });
});
