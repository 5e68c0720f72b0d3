/**
 * Listing edits (`PATCH listing/[id]` and `PATCH listings/[id]`) and removal (`DELETE listing/[id]`),
 * as the listing's owner or an admin, under the listing's row lock, with `occupancy_changed` when
 * the change moves the listing's occupancy (its capacity, or its status entering or leaving
 * `active`, the set the dashboard's occupancy rate is computed over).
 *
 * Every key of `listing-fields.ts` is stored; any other is a 400 naming it. An owner may only
 * switch a listing between `active` and `inactive`; moderation states are an admin's.
 */
import { and, eq, gt, inArray } from 'drizzle-orm';
import type { TokenClaims } from '../auth/jwt';
import type { Tx } from '../db/client';
import { hangarBookings, hangarListings, type ListingStatus } from '../db/schema';
import { badRequest, conflict, forbidden } from '../errors';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { assertCanManageListing, loadActor, type Actor } from './access';
import { parseFields } from './body';
import { DECIMAL_KEYS, LISTING_FIELDS, SINGULAR_KEYS, SNAKE_ALIASES, type ListingFieldKey } from './listing-fields';
import { lockListingOrThrow, type ListingRow } from './listings';
import { toMoneyText } from './money';
import { computeOccupancy, occupancyOf } from './occupancy';
import { FieldError } from './portal-errors';

/** A validated edit: the keys sent, with parsed values. */
export type ListingPatch = Partial<Record<ListingFieldKey, unknown>>;

/** Validates an edit body for the plural route (`all`) or the singular one (no status, no capacity). */
export function parseListingPatch(body: Record<string, unknown>, keys: 'all' | 'singular'): ListingPatch {
  const spec = keys === 'all' ? LISTING_FIELDS : Object.fromEntries(SINGULAR_KEYS.map((k) => [k, LISTING_FIELDS[k]]));
  const patch = parseFields(body, spec, { aliases: SNAKE_ALIASES }) as ListingPatch;
  if (Object.keys(patch).length === 0) throw new FieldError('missing_fields', '(nenhum campo)', 'ao menos um campo do hangar');
  if (patch.icaoCode === null) throw new FieldError('invalid_field', 'icaoCode', 'código ICAO de 4 letras');
  return patch;
}

/** Statuses an owner may set; the others are moderation states only an admin moves a listing into or out of. */
const OWNER_STATUSES: readonly ListingStatus[] = ['active', 'inactive'];

function assertStatusChange(actor: Actor, from: ListingStatus, to: ListingStatus | undefined): void {
  if (to === undefined || to === from || actor.admin) return;
  if (!OWNER_STATUSES.includes(from) || !OWNER_STATUSES.includes(to)) {
    throw forbidden('forbidden_status', `Only an admin may change a listing from "${from}" to "${to}"; owners switch between active and inactive.`);
  }
}

/** The column values a patch sets; `available_spaces` keeps the number of used spaces when the total changes. */
function columnsFor(l: ListingRow, p: ListingPatch): Partial<typeof hangarListings.$inferInsert> {
  const from = p.availableFrom === undefined ? l.availableFrom : (p.availableFrom as string | null);
  const until = p.availableUntil === undefined ? l.availableUntil : (p.availableUntil as string | null);
  if (from && until && from > until) throw badRequest('invalid_dates', 'availableFrom must not be after availableUntil.');
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p) as [ListingFieldKey, unknown][]) {
    values[key] = DECIMAL_KEYS.includes(key) && typeof value === 'number' ? toMoneyText(value) : value;
  }
  if (typeof p.totalSpaces === 'number') {
    const oldTotal = l.totalSpaces ?? 1;
    const used = Math.max(0, oldTotal - (l.availableSpaces ?? oldTotal));
    values.availableSpaces = Math.min(p.totalSpaces, Math.max(0, p.totalSpaces - used));
  }
  return values as Partial<typeof hangarListings.$inferInsert>;
}

/** True when the change moves the listing's occupancy: its capacity, or its membership of the `active` set. */
export function changesOccupancy(before: ListingRow, after: ListingRow): boolean {
  if ((before.totalSpaces ?? 1) !== (after.totalSpaces ?? 1)) return true;
  return before.status !== after.status && (before.status === 'active' || after.status === 'active');
}

/** Applies `patch` inside the caller's transaction; returns the listing as it now is. */
export async function patchListing(tx: Tx, emit: Emit, claims: TokenClaims, id: number, patch: ListingPatch, now: Date): Promise<ListingRow> {
  const actor = await loadActor(tx, claims);
  const before = await lockListingOrThrow(tx, id);
  await assertCanManageListing(tx, actor, before);
  assertStatusChange(actor, before.status ?? 'active', patch.status as ListingStatus | undefined);
  const [after] = await tx
    .update(hangarListings)
    .set({ ...columnsFor(before, patch), updatedAt: now })
    .where(eq(hangarListings.id, id))
    .returning();
  if (changesOccupancy(before, after)) await emit(after.ownerId, 'occupancy_changed', await occupancyOf(tx, after, now));
  return after;
}

/** Updates a listing as its owner or an admin (403 otherwise, 404 when missing); events after commit. */
export function updateListing(claims: TokenClaims, id: number, patch: ListingPatch, now = new Date()): Promise<ListingRow> {
  return transactWithEvents((tx, emit) => patchListing(tx, emit, claims, id, patch, now));
}

/**
 * Removes a listing as its owner or an admin. A listing with a `pending` or `confirmed` booking that
 * has not ended is refused (409 `listing_has_bookings`): deleting it would cascade to bookings
 * renters are counting on. Past bookings go with it, as the portal's foreign key cascades. When the
 * listing was active, `occupancy_changed` reports it with no spaces left.
 */
export function deleteListing(claims: TokenClaims, id: number, now = new Date()): Promise<void> {
  return transactWithEvents(async (tx, emit) => {
    const actor = await loadActor(tx, claims);
    const listing = await lockListingOrThrow(tx, id);
    await assertCanManageListing(tx, actor, listing);
    const [live] = await tx
      .select({ id: hangarBookings.id })
      .from(hangarBookings)
      .where(and(eq(hangarBookings.hangarId, id), inArray(hangarBookings.status, ['pending', 'confirmed']), gt(hangarBookings.checkOut, now)))
      .limit(1);
    if (live) throw conflict('listing_has_bookings', `Hangar listing ${id} has bookings that have not ended (e.g. ${live.id}).`);
    await tx.delete(hangarListings).where(eq(hangarListings.id, id));
    if ((listing.status ?? 'active') === 'active') {
      await emit(listing.ownerId, 'occupancy_changed', {
        hangarId: listing.id,
        hangarNumber: listing.hangarNumber ?? `#${listing.id}`,
        ...computeOccupancy(0, 0),
        timestamp: now.getTime(),
      });
    }
  });
}
