/**
 * `PATCH /api/hangarshare/listings/[id]`: the fields an owner may change, validated once, written
 * under the listing's row lock, with `occupancy_changed` when the change moves the listing's
 * occupancy (its capacity, or its status entering or leaving `active`, the set the dashboard's
 * occupancy rate is computed over).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { TokenClaims } from '../auth/jwt';
import type { Tx } from '../db/client';
import { hangarListings, LISTING_STATUSES, type ListingStatus } from '../db/schema';
import { badRequest, forbidden } from '../errors';
import type { Emit } from '../realtime/log/publish';
import { transactWithEvents } from '../realtime/log/publish';
import { assertCanManageListing, loadActor, type Actor } from './access';
import { lockListingOrThrow, toListingDto, type ListingDto, type ListingRow } from './listings';
import { MAX_RATE, moneySchema, toMoneyText } from './money';
import { occupancyOf } from './occupancy';

/** Largest `total_spaces` accepted. */
export const MAX_TOTAL_SPACES = 1000;

/** camelCase spellings accepted beside the portal's snake_case (snake_case wins when both are sent). */
const ALIASES: Record<string, string> = {
  totalSpaces: 'total_spaces',
  hourlyRate: 'hourly_rate',
  dailyRate: 'daily_rate',
  weeklyRate: 'weekly_rate',
  monthlyRate: 'monthly_rate',
  isAvailable: 'is_available',
  availableFrom: 'available_from',
  availableUntil: 'available_until',
};

function normalizeKeys(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const canonical = ALIASES[key] ?? key;
    if (canonical === key || !(canonical in value)) out[canonical] = v;
  }
  return out;
}

const rate = moneySchema({ max: MAX_RATE }).nullable().optional();
const day = z.iso.date().nullable().optional();

/**
 * The body of a listing PATCH. Unknown fields (the portal also sends dimensions, payment flags…)
 * are dropped; a body with no known field is a 400. `null` clears a rate, a date or the description.
 */
export const ListingPatchBody = z.preprocess(
  normalizeKeys,
  z
    .object({
      status: z.enum(LISTING_STATUSES).optional(),
      total_spaces: z.int().min(1).max(MAX_TOTAL_SPACES).optional(),
      hourly_rate: rate,
      daily_rate: rate,
      weekly_rate: rate,
      monthly_rate: rate,
      is_available: z.boolean().optional(),
      available_from: day,
      available_until: day,
      description: z.string().max(5000).nullable().optional(),
    })
    .refine((o) => Object.values(o).some((v) => v !== undefined), 'send at least one field to change'),
);
export type ListingPatch = z.infer<typeof ListingPatchBody>;

/** Statuses an owner may set; the others are moderation states only an admin moves a listing into or out of. */
const OWNER_STATUSES: readonly ListingStatus[] = ['active', 'inactive'];

function assertStatusChange(actor: Actor, from: ListingStatus, to: ListingStatus | undefined): void {
  if (to === undefined || to === from || actor.admin) return;
  if (!OWNER_STATUSES.includes(from) || !OWNER_STATUSES.includes(to)) {
    throw forbidden(
      'forbidden_status',
      `Only an admin may change a listing from "${from}" to "${to}"; owners switch between active and inactive.`,
    );
  }
}

const money = (v: number | null | undefined) => (v === undefined ? undefined : v === null ? null : toMoneyText(v));

/** The column values a patch sets; `available_spaces` keeps the number of used spaces when the total changes. */
function columnsFor(l: ListingRow, p: ListingPatch): Partial<typeof hangarListings.$inferInsert> {
  const from = p.available_from === undefined ? l.availableFrom : p.available_from;
  const until = p.available_until === undefined ? l.availableUntil : p.available_until;
  if (from && until && from > until) throw badRequest('invalid_dates', 'available_from must not be after available_until.');
  const values: Partial<typeof hangarListings.$inferInsert> = {
    status: p.status,
    hourlyRate: money(p.hourly_rate),
    dailyRate: money(p.daily_rate),
    weeklyRate: money(p.weekly_rate),
    monthlyRate: money(p.monthly_rate),
    isAvailable: p.is_available,
    availableFrom: p.available_from,
    availableUntil: p.available_until,
    description: p.description,
  };
  if (p.total_spaces !== undefined) {
    const oldTotal = l.totalSpaces ?? 1;
    const used = Math.max(0, oldTotal - (l.availableSpaces ?? oldTotal));
    values.totalSpaces = p.total_spaces;
    values.availableSpaces = Math.min(p.total_spaces, Math.max(0, p.total_spaces - used));
  }
  return values;
}

/** True when the change moves the listing's occupancy: its capacity, or its membership of the `active` set. */
export function changesOccupancy(before: ListingRow, after: ListingRow): boolean {
  if ((before.totalSpaces ?? 1) !== (after.totalSpaces ?? 1)) return true;
  return before.status !== after.status && (before.status === 'active' || after.status === 'active');
}

/** Applies `patch` inside the caller's transaction; exported so other writes can compose it. */
export async function patchListing(tx: Tx, emit: Emit, claims: TokenClaims, id: number, patch: ListingPatch, now: Date): Promise<ListingDto> {
  const actor = await loadActor(tx, claims);
  const before = await lockListingOrThrow(tx, id);
  await assertCanManageListing(tx, actor, before);
  assertStatusChange(actor, before.status ?? 'active', patch.status);
  const [after] = await tx
    .update(hangarListings)
    .set({ ...columnsFor(before, patch), updatedAt: now })
    .where(eq(hangarListings.id, id))
    .returning();
  if (changesOccupancy(before, after)) await emit(after.ownerId, 'occupancy_changed', await occupancyOf(tx, after, now));
  return toListingDto(after);
}

/** Updates a listing as its owner or an admin (403 otherwise, 404 when missing); events after commit. */
export function updateListing(claims: TokenClaims, id: number, patch: ListingPatch, now = new Date()): Promise<ListingDto> {
  return transactWithEvents((tx, emit) => patchListing(tx, emit, claims, id, patch, now));
}
