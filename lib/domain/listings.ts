/**
 * Hangar listings: loading (and locking) one, its JSON shape, and who may read it. Changes live in
 * `listing-update.ts`.
 *
 * The listing row is the per-listing lock of the domain: every write that changes a listing's
 * bookings or capacity first takes `SELECT … FOR UPDATE` on it (works on PostgreSQL and PGlite),
 * so capacity checks and occupancy events of one listing are serialized.
 */
import { eq } from 'drizzle-orm';
import type { TokenClaims } from '../auth/jwt';
import { type Queryable } from '../db/client';
import { hangarListings } from '../db/schema';
import { notFound } from '../errors';
import { canManageListing, loadActor } from './access';
import { fromMoneyText } from './money';
import { getDb } from '../runtime';

/** A `hangar_listings` row as Drizzle returns it. */
export type ListingRow = typeof hangarListings.$inferSelect;

/** A listing on the wire: camelCase, money as numbers, dates as ISO strings. */
export interface ListingDto {
  id: number;
  ownerId: number;
  icaoCode: string;
  aerodromeName: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  hangarNumber: string | null;
  hangarSizeSqm: number | null;
  hourlyRate: number | null;
  dailyRate: number | null;
  weeklyRate: number | null;
  monthlyRate: number | null;
  availableFrom: string | null;
  availableUntil: string | null;
  isAvailable: boolean;
  status: string;
  totalSpaces: number;
  availableSpaces: number;
  description: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Reshapes a row for JSON. */
export function toListingDto(l: ListingRow): ListingDto {
  return {
    id: l.id,
    ownerId: l.ownerId,
    icaoCode: l.icaoCode,
    aerodromeName: l.aerodromeName,
    city: l.city,
    state: l.state,
    country: l.country,
    hangarNumber: l.hangarNumber,
    hangarSizeSqm: fromMoneyText(l.hangarSizeSqm),
    hourlyRate: fromMoneyText(l.hourlyRate),
    dailyRate: fromMoneyText(l.dailyRate),
    weeklyRate: fromMoneyText(l.weeklyRate),
    monthlyRate: fromMoneyText(l.monthlyRate),
    availableFrom: l.availableFrom,
    availableUntil: l.availableUntil,
    isAvailable: l.isAvailable ?? true,
    status: l.status ?? 'active',
    totalSpaces: l.totalSpaces ?? 1,
    availableSpaces: l.availableSpaces ?? 1,
    description: l.description,
    createdAt: l.createdAt?.toISOString() ?? null,
    updatedAt: l.updatedAt?.toISOString() ?? null,
  };
}

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

/**
 * `GET /api/hangarshare/listings/[id]`: an `active` listing is visible to any signed-in user (it
 * is on the marketplace, as in the portal); any other status only to its owner or an admin, and to
 * everyone else it does not exist (404, so drafts and suspensions do not leak).
 */
export async function getListing(claims: TokenClaims, id: number): Promise<ListingDto> {
  const db = await getDb();
  const actor = await loadActor(db, claims);
  const [row] = await db.select().from(hangarListings).where(eq(hangarListings.id, id)).limit(1);
  if (!row) throw listingNotFound(id);
  if (row.status !== 'active' && !(await canManageListing(db, actor, row))) throw listingNotFound(id);
  return toListingDto(row);
}
