/**
 * Who may do what to a listing or a booking, decided the way the portal decides it: a listing
 * belongs to the user whose `hangar_owners.user_id` matches its `owner_id` profile; role `ADMIN`
 * or `MASTER` may act on any listing; a booking's renter (`hangar_bookings.user_id`) may read it.
 *
 * Every check takes the caller's `Queryable` so it runs inside the transaction that then writes:
 * a refusal throws before any row changes.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { bearerToken, invalidToken, isAdmin, missingToken, verifyToken, type TokenClaims } from '../auth/jwt';
import type { Queryable } from '../db/client';
import { hangarOwners, users } from '../db/schema';
import { badRequest, forbidden } from '../errors';

/** Largest PostgreSQL `integer`; every id column is int4. */
export const MAX_INT4 = 2_147_483_647;

/** A positive int4 id in a JSON body: a number, or its plain digits as a string (some portal forms send those). */
export const idSchema = z.union([
  z.int().min(1).max(MAX_INT4),
  z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.int().max(MAX_INT4)),
]);

/**
 * Parses an id from a route segment ("42"); anything but a positive int4 written in plain digits
 * is a 400 `invalid_id` naming the parameter.
 */
export function parseId(raw: unknown, name: string): number {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > MAX_INT4) {
    throw badRequest('invalid_id', `${name} must be a positive integer.`);
  }
  return Number(raw);
}

/** The caller as the domain sees it: a live user, their display name, and whether they are an admin. */
export interface Actor {
  userId: number;
  name: string;
  admin: boolean;
  /** The role as stored (`user`, `ADMIN`, `staff`…). */
  role: string;
  email: string;
}

/** "First Last", as the portal puts in its tokens and notifications. */
export const fullName = (u: { firstName: string; lastName: string | null }) => [u.firstName, u.lastName].filter(Boolean).join(' ');

/**
 * Loads a live user (not soft-deleted) by id, or undefined. Used for the caller and for the renter
 * an admin books for.
 */
export async function loadUser(db: Queryable, userId: number): Promise<Actor | undefined> {
  const [row] = await db
    .select({ id: users.id, firstName: users.firstName, lastName: users.lastName, role: users.role, email: users.email })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)))
    .limit(1);
  const role = row?.role ?? 'user';
  return row && { userId: row.id, name: fullName(row), admin: isAdmin({ role }), role, email: row.email };
}

/**
 * The caller of a request. A valid token whose user was deleted is refused with 401, like the
 * stream does. The role comes from the user's row, not the token: a demoted admin stops being
 * one at once, not when their (7-day) token expires.
 */
export async function loadActor(db: Queryable, claims: TokenClaims): Promise<Actor> {
  const user = await loadUser(db, claims.userId);
  if (!user) throw invalidToken('its user no longer exists');
  return user;
}

/** True when `actor` manages the listing: its owner profile is theirs, or they are an admin. */
export async function canManageListing(db: Queryable, actor: Actor, listing: { ownerId: number }): Promise<boolean> {
  if (actor.admin) return true;
  const [mine] = await db
    .select({ id: hangarOwners.id })
    .from(hangarOwners)
    .where(and(eq(hangarOwners.id, listing.ownerId), eq(hangarOwners.userId, actor.userId)))
    .limit(1);
  return Boolean(mine);
}

/** Throws 403 `forbidden` unless `actor` manages the listing. */
export async function assertCanManageListing(db: Queryable, actor: Actor, listing: { id: number; ownerId: number }): Promise<void> {
  if (!(await canManageListing(db, actor, listing))) {
    throw forbidden('forbidden', `This token may not manage hangar listing ${listing.id}.`);
  }
}

/**
 * Verifies the request's token, taken from `Authorization: Bearer` only. `authenticate` would
 * also accept the `token` cookie; these routes change data, and a cookie rides along on
 * cross-site requests, so they insist on the header.
 */
export async function authenticateBearer(req: Request): Promise<TokenClaims> {
  const token = bearerToken(req.headers.get('authorization'));
  if (!token) throw missingToken();
  return verifyToken(token);
}

/** For the public GETs: no Bearer token → anonymous (null); a Bearer header must hold a valid token (401 otherwise). */
export async function optionalBearer(req: Request): Promise<TokenClaims | null> {
  const token = bearerToken(req.headers.get('authorization'));
  return token === undefined ? null : verifyToken(token);
}
