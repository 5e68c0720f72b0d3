/**
 * Open streams are re-authorized: a user deleted or demoted after opening a stream loses it within
 * WS_REAUTH_INTERVAL, with a clear frame, while streams that keep their access stay open; the
 * check is one batched call per sweep, not one per stream.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOwner, createUser } from '../../../test/support/fixtures';
import { openStream } from '../../../test/support/sse-client';
import { resetConfig } from '../../config';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';
import { getDb } from '../../runtime';
import type { LoggedEvent } from '../wire/events';
import { type AccessCheck, accessKey, Hub } from './hub';
import type { Transport } from './connection';

let db: Db;
beforeAll(async () => {
  process.env.WS_REAUTH_INTERVAL = '1';
  process.env.WS_HEARTBEAT_INTERVAL = '200';
  resetConfig();
  db = await getDb();
});

describe('re-authorization of open streams', () => {
  it('ends the stream of an admin who is demoted, and of a user who is soft-deleted, with error access_revoked; keeps the others', async () => {
    const watched = await createOwner(db);
    const admin = await createUser(db, { role: 'ADMIN' });
    const owner = await createOwner(db);
    const keeper = await createOwner(db);
    const adminStream = await openStream({ token: admin.token, ownerId: watched.ownerId });
    const ownerStream = await openStream({ token: owner.token });
    const keeperStream = await openStream({ token: keeper.token });
    await Promise.all([adminStream, ownerStream, keeperStream].map((s) => s.next('metrics_updated')));

    await db.update(users).set({ role: 'user' }).where(eq(users.id, admin.userId));
    await db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, owner.userId));

    for (const s of [adminStream, ownerStream]) {
      await s.until(() => s.ended, 10_000, 'the revoked stream to end');
      const last = s.frames.at(-1)!;
      expect(last.event).toBe('error');
      expect(last.envelope.data.code).toBe('access_revoked');
    }
    expect(keeperStream.ended).toBe(false);
    keeperStream.close();
  });
});

describe('Hub re-authorization (unit)', () => {
  const transport = (): Transport => ({ write: () => {}, capacity: () => 64, end: () => {} });
  const event = (): LoggedEvent[] => [];

  it('asks once per sweep for all distinct (user, owner) pairs and ends only the refused ones', async () => {
    const calls: { userId: number; ownerId: number }[][] = [];
    const access: AccessCheck = {
      allowed: async (pairs) => {
        calls.push([...pairs]);
        return new Set([accessKey(1, 10)]);
      },
    };
    const hub = new Hub({
      instanceId: 'test',
      log: { head: async () => 0, read: async () => event() },
      bus: { publish: () => {}, subscribe: () => () => {} },
      metrics: { get: async () => ({ lastUpdate: 0 }) as never, changed: () => {}, requested: () => {} },
      heartbeatMs: 20,
      retryMs: 0,
      maxPerOwner: 10,
      maxConnections: 10,
      maxQueued: 10,
      drainMs: 0,
      access,
      reauthMs: 50,
    });
    const kept = [
      hub.open({ ownerId: 10, userId: 1, exp: 2e9, transport: transport() }),
      hub.open({ ownerId: 10, userId: 1, exp: 2e9, transport: transport() }),
    ];
    const refused = hub.open({ ownerId: 20, userId: 2, exp: 2e9, transport: transport() });
    await expect.poll(() => refused.closed, { timeout: 5_000 }).toBe(true);
    expect(refused.closeReason).toBe('access_revoked');
    expect(kept.every((c) => !c.closed)).toBe(true);
    expect(calls[0]).toHaveLength(2); // two streams of (1, 10) are one pair
    expect(hub.stats.accessRevocations).toBe(1);
    hub.shutdown();
  });
});
