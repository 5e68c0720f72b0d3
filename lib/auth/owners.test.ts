import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOwner, createUser } from '../../test/support/fixtures';
import type { Db } from '../db/client';
import { hangarOwners, users } from '../db/schema';
import type { AppError } from '../errors';
import { verifyToken } from './jwt';
import { resolveOwner } from './owners';
import { getDb } from '../runtime';

let db: Db;
beforeAll(async () => {
  db = await getDb();
});

async function code(p: Promise<unknown>) {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return `${(err as AppError).status} ${(err as AppError).code}`;
  }
}

describe('resolveOwner', () => {
  it("gives a user their only owner profile, and refuses others' owners", async () => {
    const a = await createOwner(db);
    const b = await createOwner(db);
    const claims = await verifyToken(a.token);
    expect(await resolveOwner(db, claims)).toBe(a.ownerId);
    expect(await resolveOwner(db, claims, String(a.ownerId))).toBe(a.ownerId);
    expect(await code(resolveOwner(db, claims, String(b.ownerId)))).toBe('403 forbidden_owner');
    expect(await code(resolveOwner(db, claims, '999999'))).toBe('404 unknown_owner');
    for (const bad of ['-1', 'abc', '1 or 1=1', '99999999999', '0', '1.5']) {
      expect(await code(resolveOwner(db, claims, bad))).toBe('400 invalid_owner_id');
    }
  });

  it('lets ADMIN and MASTER open any owner', async () => {
    const a = await createOwner(db);
    for (const role of ['ADMIN', 'MASTER']) {
      const admin = await createUser(db, { role });
      expect(await resolveOwner(db, await verifyToken(admin.token), String(a.ownerId))).toBe(a.ownerId);
    }
  });

  it('asks for ownerId when the user has no owner profile or several', async () => {
    const none = await createUser(db);
    expect(await code(resolveOwner(db, await verifyToken(none.token)))).toBe('400 owner_required');
    const two = await createOwner(db);
    await db.insert(hangarOwners).values({ userId: two.userId, companyName: 'Second' });
    expect(await code(resolveOwner(db, await verifyToken(two.token)))).toBe('400 owner_required');
  });

  it('refuses a valid token whose user was deleted', async () => {
    const a = await createOwner(db);
    await db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, a.userId));
    expect(await code(resolveOwner(db, await verifyToken(a.token)))).toBe('401 invalid_token');
  });
});
