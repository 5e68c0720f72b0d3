/**
 * Hangar listings: loading (and locking) one, and the two shapes the portal reads it in —
 * `GET listing/[id]` (`{ success, hangar }`, camelCase, with its owner and photos) and
 * `GET listings/[id]` (the bare snake_case row). Changes live in `listing-update.ts`.
 *
 * Both GETs are public, as the portal's are, but only for a listing on the marketplace (active and
 * not held back by moderation); any other is visible to its owner or an admin only, and to everyone
 * else it does not exist (404) — the portal's singular GET showed unapproved listings to anyone.
 *
 * The listing row is the per-listing lock of the domain: every write that changes a listing's
 * bookings or capacity first takes `SELECT … FOR UPDATE` on it (works on PostgreSQL and PGlite),
 * so capacity checks and occupancy events of one listing are serialized.
 */
import { eq, sql } from 'drizzle-orm';
import type { TokenClaims } from '../auth/jwt';
import { rows, type Queryable } from '../db/client';
import { hangarListings, hangarOwners, users } from '../db/schema';
import { notFound } from '../errors';
import { getDb } from '../runtime';
import { canManageListing, fullName, loadActor } from './access';
import { LISTING_FIELDS, snakeOf, type ListingFieldKey } from './listing-fields';

/** A `hangar_listings` row as Drizzle returns it. */
export type ListingRow = typeof hangarListings.$inferSelect;

/** Approval states in which the portal has not (or not yet) let a listing onto the marketplace. */
export const UNAPPROVED = ['pending', 'pending_approval', 'rejected'];

/** True when the listing is on the marketplace: active and not held back by moderation (NULL approval counts as approved). */
export const isPublic = (l: Pick<ListingRow, 'status' | 'approvalStatus'>) =>
  (l.status ?? 'active') === 'active' && !UNAPPROVED.includes(l.approvalStatus ?? '');

const listingNotFound = (id: number) => notFound('listing_not_found', `There is no hangar listing ${id}.`);

/** Reads a listing and locks its row until the transaction ends; undefined when it does not exist. */
export async function lockListing(tx: Queryable, id: number): Promise<ListingRow | undefined> {
  const [row] = await tx.select().from(hangarListings).where(eq(hangarListings.id, id)).for('update').limit(1);
  return row;
}

/** Like `lockListing`, but a missing listing is a 404 `listing_not_found`. */
export async function lockListingOrThrow(tx: Queryable, id: number): Promise<ListingRow> {
  const row = await lockListing(tx, id);
  if (!row) throw listingNotFound(id);
  return row;
}

/** A listing anyone may see, or that `claims` manages; 404 otherwise. */
async function visibleListing(claims: TokenClaims | null, id: number): Promise<ListingRow> {
  const db = await getDb();
  // A token, when sent, must name a live user (401 otherwise), even for a public listing.
  const actor = claims ? await loadActor(db, claims) : null;
  const [row] = await db.select().from(hangarListings).where(eq(hangarListings.id, id)).limit(1);
  if (!row) throw listingNotFound(id);
  if (isPublic(row)) return row;
  if (!actor || !(await canManageListing(db, actor, row))) throw listingNotFound(id);
  return row;
}

/** The bare row of `GET listings/[id]` and of the plural PATCH's answer: snake_case, numeric as text, dates as days. */
export function toListingRow(l: ListingRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: l.id, owner_id: l.ownerId };
  for (const key of Object.keys(LISTING_FIELDS) as ListingFieldKey[]) out[snakeOf(key)] = l[key] ?? null;
  out.available_spaces = l.availableSpaces;
  out.created_at = l.createdAt?.toISOString() ?? null;
  out.updated_at = l.updatedAt?.toISOString() ?? null;
  return out;
}

/** `GET listings/[id]`. */
export async function getListingRow(claims: TokenClaims | null, id: number): Promise<Record<string, unknown>> {
  return toListingRow(await visibleListing(claims, id));
}

/** A photo as `GET listing/[id]` lists it (from the portal's `hangar_photos`, when that table exists). */
export interface ListingPhoto {
  id: number;
  photoUrl: string;
  isPrimary: boolean;
  displayOrder: number;
}

async function photosOf(db: Queryable, listingId: number): Promise<ListingPhoto[]> {
  const [t] = await rows<{ r: string | null }>(db, sql`select to_regclass('hangar_photos')::text as r`);
  if (!t?.r) return [];
  return rows<ListingPhoto>(
    db,
    sql`select id, photo_url as "photoUrl", coalesce(is_primary, false) as "isPrimary", coalesce(display_order, 0) as "displayOrder"
        from hangar_photos where listing_id = ${listingId} order by display_order nulls last, id`,
  );
}

/** `GET listing/[id]`: the portal's `hangar`, with the owner reached through `hangar_owners` (not `users.id = owner_id`). */
export async function getHangar(claims: TokenClaims | null, id: number): Promise<Record<string, unknown>> {
  const l = await visibleListing(claims, id);
  const db = await getDb();
  const [owner] = await db
    .select({ companyName: hangarOwners.companyName, phone: hangarOwners.phone, user: users })
    .from(hangarOwners)
    .leftJoin(users, eq(users.id, hangarOwners.userId))
    .where(eq(hangarOwners.id, l.ownerId))
    .limit(1);
  return {
    id: l.id,
    hangarNumber: l.hangarNumber,
    icaoCode: l.icaoCode,
    aerodromeName: l.aerodromeName,
    city: l.city,
    state: l.state,
    hangarSizeSqm: l.hangarSizeSqm,
    maxWingspanMeters: l.maxWingspanMeters,
    maxLengthMeters: l.maxLengthMeters,
    maxHeightMeters: l.maxHeightMeters,
    acceptedAircraftCategories: l.acceptedAircraftCategories ?? null,
    hourlyRate: l.hourlyRate,
    dailyRate: l.dailyRate,
    weeklyRate: l.weeklyRate,
    monthlyRate: l.monthlyRate,
    availableFrom: l.availableFrom,
    availableUntil: l.availableUntil,
    acceptsOnlinePayment: l.acceptsOnlinePayment,
    acceptsPaymentOnArrival: l.acceptsPaymentOnArrival,
    acceptsPaymentOnDeparture: l.acceptsPaymentOnDeparture,
    cancellationPolicy: l.cancellationPolicy,
    operatingHours: l.operatingHours ?? null,
    hangarLocationDescription: l.hangarLocationDescription,
    services: l.services ?? null,
    description: l.description,
    specialNotes: l.specialNotes,
    isAvailable: l.isAvailable,
    approvalStatus: l.approvalStatus,
    verificationStatus: l.verificationStatus,
    status: l.status,
    createdAt: l.createdAt?.toISOString() ?? null,
    updatedAt: l.updatedAt?.toISOString() ?? null,
    ownerId: l.ownerId,
    ownerName: owner ? (owner.user ? fullName(owner.user) : owner.companyName) : null,
    ownerEmail: owner?.user?.email ?? null,
    ownerPhone: owner?.phone ?? null,
    photos: await photosOf(db, l.id),
  };
}
