/**
 * Which owner streams a user may open: the `hangar_owners` rows whose `user_id` is theirs, or any
 * owner for MASTER/ADMIN. Deleted users (soft delete, or gone) are refused even with a valid token.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { rows, type Queryable } from '../db/client';
import { hangarOwners, users } from '../db/schema';
import { AppError } from '../errors';
import { invalidToken, isAdmin, type TokenClaims } from './jwt';

const MAX_INT4 = 2_147_483_647;

/** Parses an owner id from the wire ("12"); throws 400 for anything that is not a positive int4. */
export function parseOwnerId(raw: unknown): number {
  const s = typeof raw === 'number' ? String(raw) : raw;
  if (typeof s !== 'string' || !/^[1-9]\d{0,9}$/.test(s) || Number(s) > MAX_INT4) {
    throw new AppError(400, 'invalid_owner_id', 'ownerId must be a positive integer (a hangar_owners id).');
  }
  return Number(s);
}

/** The owner profiles of a user, oldest first. */
export async function ownersOfUser(db: Queryable, userId: number) {
  return db
    .select({ id: hangarOwners.id, companyName: hangarOwners.companyName })
    .from(hangarOwners)
    .where(eq(hangarOwners.userId, userId))
    .orderBy(hangarOwners.id);
}

/** Throws 401 when the token's user no longer exists or was soft-deleted; returns the row's role. */
export async function assertUserActive(db: Queryable, claims: TokenClaims): Promise<{ role: string }> {
  const [row] = await db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(and(eq(users.id, claims.userId), isNull(users.deletedAt)))
    .limit(1);
  if (!row) throw invalidToken('its user no longer exists');
  return { role: row.role ?? 'user' };
}

/**
 * Resolves the owner a request is for. With `rawOwnerId`: that owner, if it exists (404
 * `unknown_owner`) and the user may open it (403 `forbidden_owner`). Without: the user's only
 * owner profile (400 `owner_required` when they have none or several).
 */
export async function resolveOwner(db: Queryable, claims: TokenClaims, rawOwnerId?: string | null): Promise<number> {
  if (rawOwnerId === undefined || rawOwnerId === null || rawOwnerId === '') {
    await assertUserActive(db, claims);
    const mine = await ownersOfUser(db, claims.userId);
    if (mine.length === 1) return mine[0].id;
    throw new AppError(
      400,
      'owner_required',
      mine.length === 0
        ? 'This user has no hangar owner profile; pass ownerId.'
        : `This user has ${mine.length} hangar owner profiles; pass ownerId to choose one.`,
    );
  }
  const ownerId = parseOwnerId(rawOwnerId);
  // One round trip for both checks: every stream open (and a reconnect storm) pays it.
  const [row] = await db
    .select({
      userActive: sql<boolean>`exists (select 1 from ${users} where ${users.id} = ${claims.userId} and ${users.deletedAt} is null)`,
      role: sql<string | null>`(select ${users.role} from ${users} where ${users.id} = ${claims.userId})`,
      ownerExists: sql<boolean>`exists (select 1 from ${hangarOwners} where ${hangarOwners.id} = ${ownerId})`,
      ownerUserId: sql<number | null>`(select ${hangarOwners.userId} from ${hangarOwners} where ${hangarOwners.id} = ${ownerId})`,
    })
    .from(sql`(select 1) as one`);
  if (!row.userActive) throw invalidToken('its user no longer exists');
  if (!row.ownerExists) throw new AppError(404, 'unknown_owner', `There is no hangar owner ${ownerId}.`);
  // The role is the row's, not the token's: a demoted admin loses access at once.
  if (Number(row.ownerUserId) !== claims.userId && !isAdmin({ role: row.role ?? 'user' })) {
    throw new AppError(403, 'forbidden_owner', `This token may not open owner ${ownerId}.`);
  }
  return ownerId;
}

/**
 * The re-authorization of open streams: of `pairs`, those whose user still exists, is not
 * soft-deleted and either owns the owner profile or is ADMIN/MASTER by its row — the rules of
 * `resolveOwner`, for every open stream in one query.
 */
export async function stillAllowed(db: Queryable, pairs: readonly { userId: number; ownerId: number }[]): Promise<{ userId: number; ownerId: number }[]> {
  if (pairs.length === 0) return [];
  const json = JSON.stringify(pairs.map((p) => ({ user_id: p.userId, owner_id: p.ownerId })));
  const found = await rows<{ user_id: number; owner_id: number }>(
    db,
    sql`select p.user_id, p.owner_id
          from jsonb_to_recordset(${json}::jsonb) as p(user_id int, owner_id int)
          join ${users} u on u.id = p.user_id and u.deleted_at is null
          join ${hangarOwners} o on o.id = p.owner_id
         where o.user_id = p.user_id or u.role in ('MASTER', 'ADMIN')`,
  );
  return found.map((r) => ({ userId: Number(r.user_id), ownerId: Number(r.owner_id) }));
}
