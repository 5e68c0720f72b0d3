/**
 * The portal's response shapes (../shared/reference/portal-routes.md), written once as strict zod
 * schemas: a body with a missing key, a key of the wrong type or a key the portal does not send
 * (unless this service documents it as an addition) fails `expectShape`. Errors are
 * `{ error: <the portal's sentence>, code }` (+ `message` on the plural listing PATCH).
 */
import { expect } from 'vitest';
import { z } from 'zod';

const int = z.number().int();
const iso = z.iso.datetime({ offset: true });
const isoOrNull = iso.nullable();
const day = z.iso.date();
/** A PostgreSQL numeric as the portal's `pg` answers it: decimal text. */
const numeric = z.string().regex(/^-?\d+(\.\d+)?$/);
const status = z.enum(['pending', 'confirmed', 'completed', 'cancelled', 'rejected']);

/** 1. `POST booking/confirm`, a new checkout. */
export const CONFIRM_OK = z.strictObject({
  success: z.literal(true),
  booking: z.strictObject({
    id: int,
    status: z.literal('confirmed'),
    hangarNumber: z.string().nullable(),
    checkIn: z.string(),
    checkOut: z.string(),
    nights: int,
    subtotal: z.number(),
    discount: z.strictObject({ code: z.string(), amount: z.number() }).nullable(),
    fees: z.number(),
    totalPrice: z.number(),
    bookingType: z.enum(['refundable', 'non_refundable']),
  }),
  payment: z.strictObject({ clientSecret: z.string().nullable(), paymentIntentId: z.string(), publishableKey: z.string().nullable() }),
});

/** 1. `POST booking/confirm`, a replay within 15 minutes. */
export const CONFIRM_REPLAY = CONFIRM_OK.extend({
  booking: z.strictObject({
    id: int,
    status,
    hangarNumber: z.string().nullable(),
    checkIn: z.string(),
    checkOut: z.string(),
    nights: int,
    totalPrice: z.number(),
    bookingType: z.enum(['refundable', 'non_refundable']),
  }),
});

/** 2. `POST booking/cancel`. */
export const CANCEL_OK = z.strictObject({
  success: z.literal(true),
  message: z.literal('Booking cancelled successfully'),
  booking: z.strictObject({ id: int, status: z.literal('cancelled'), originalAmount: z.number(), refundAmount: z.number(), refundId: z.string().nullable() }),
});

/** 3. `GET owner/bookings/[bookingId]`. */
export const OWNER_BOOKING_GET_OK = z.strictObject({
  success: z.literal(true),
  booking: z.strictObject({
    id: int,
    listing_id: int,
    user_id: int,
    checkin: iso,
    checkout: iso,
    subtotal: numeric.nullable(),
    fees: numeric.nullable(),
    total: numeric.nullable(),
    payment_method: z.string().nullable(),
    payment_status: z.string(),
    booking_status: status,
    special_requests: z.null(),
    created_at: isoOrNull,
    updated_at: isoOrNull,
    icaoCode: z.string(),
    hangarNumber: z.string().nullable(),
    dailyRate: numeric.nullable(),
    owner_id: int,
    owner_user_id: int.nullable(),
    clientName: z.string(),
    clientEmail: z.string(),
  }),
});

/** 3. `PATCH owner/bookings/[bookingId]`. */
export const OWNER_BOOKING_PATCH_OK = z.strictObject({
  success: z.literal(true),
  message: z.string().regex(/^Reserva atualizada para: (Pendente|Confirmada|Concluída|Cancelada)$/),
  booking: z.strictObject({ id: int, status, paymentStatus: z.string(), total: numeric.nullable(), checkin: iso, checkout: iso, updatedAt: isoOrNull }),
  refundNeeded: z.boolean(),
});

/** 3. `PATCH owner/bookings/[bookingId]`, an invalid transition (400). */
export const INVALID_TRANSITION = z.strictObject({
  error: z.string().regex(/^Transição inválida: \S+ → \S+$/),
  code: z.literal('invalid_transition'),
  currentStatus: status,
  requestedStatus: status,
  allowedTransitions: z.array(status),
});

const json = z.unknown();

/** 4. `GET listing/[id]`. */
export const HANGAR_OK = z.strictObject({
  success: z.literal(true),
  hangar: z.strictObject({
    id: int,
    hangarNumber: z.string().nullable(),
    icaoCode: z.string(),
    aerodromeName: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    hangarSizeSqm: numeric.nullable(),
    maxWingspanMeters: numeric.nullable(),
    maxLengthMeters: numeric.nullable(),
    maxHeightMeters: numeric.nullable(),
    acceptedAircraftCategories: json,
    hourlyRate: numeric.nullable(),
    dailyRate: numeric.nullable(),
    weeklyRate: numeric.nullable(),
    monthlyRate: numeric.nullable(),
    availableFrom: day.nullable(),
    availableUntil: day.nullable(),
    acceptsOnlinePayment: z.boolean().nullable(),
    acceptsPaymentOnArrival: z.boolean().nullable(),
    acceptsPaymentOnDeparture: z.boolean().nullable(),
    cancellationPolicy: z.string().nullable(),
    operatingHours: json,
    hangarLocationDescription: z.string().nullable(),
    services: json,
    description: z.string().nullable(),
    specialNotes: z.string().nullable(),
    isAvailable: z.boolean().nullable(),
    approvalStatus: z.string().nullable(),
    verificationStatus: z.string().nullable(),
    status: z.string().nullable(),
    createdAt: isoOrNull,
    updatedAt: isoOrNull,
    ownerId: int,
    ownerName: z.string().nullable(),
    ownerEmail: z.string().nullable(),
    ownerPhone: z.string().nullable(),
    photos: z.array(z.strictObject({ id: int, photoUrl: z.string(), isPrimary: z.boolean(), displayOrder: int })),
  }),
});

/** 4. `PATCH listing/[id]`. */
export const HANGAR_PATCH_OK = z.strictObject({ success: z.literal(true), message: z.literal('Hangar atualizado com sucesso'), listingId: int });
/** 4. `DELETE listing/[id]`. */
export const HANGAR_DELETE_OK = z.strictObject({ success: z.literal(true), message: z.literal('Hangar removido com sucesso') });

/**
 * 4. `GET listings/[id]`: the bare row — `id, owner_id, created_at, updated_at` and the snake_case
 * columns of the PATCH fields (this service's PATCH takes every listing field, so every one is
 * here, plus `total_spaces` / `available_spaces`).
 */
export const LISTING_ROW = z.strictObject({
  id: int,
  owner_id: int,
  created_at: isoOrNull,
  updated_at: isoOrNull,
  icao_code: z.string(),
  aerodrome_name: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  hangar_number: z.string().nullable(),
  hangar_location_description: z.string().nullable(),
  description: z.string().nullable(),
  special_notes: z.string().nullable(),
  hangar_size_sqm: numeric.nullable(),
  max_wingspan_meters: numeric.nullable(),
  max_length_meters: numeric.nullable(),
  max_height_meters: numeric.nullable(),
  accepted_aircraft_categories: json,
  hourly_rate: numeric.nullable(),
  daily_rate: numeric.nullable(),
  weekly_rate: numeric.nullable(),
  monthly_rate: numeric.nullable(),
  available_from: day.nullable(),
  available_until: day.nullable(),
  accepts_online_payment: z.boolean().nullable(),
  accepts_payment_on_arrival: z.boolean().nullable(),
  accepts_payment_on_departure: z.boolean().nullable(),
  cancellation_policy: z.string().nullable(),
  operating_hours: json,
  services: json,
  is_available: z.boolean().nullable(),
  status: z.string().nullable(),
  total_spaces: int.nullable(),
  available_spaces: int.nullable(),
});

/** 4. `PATCH listings/[id]`. */
export const LISTINGS_PATCH_OK = z.strictObject({ success: z.literal(true), message: z.literal('Listing updated successfully'), listing: LISTING_ROW });

/** 5. `POST webhook/stripe` (`duplicate`, `ignored`, `bookingId`, `status` are this service's additions). */
export const WEBHOOK_OK = z.strictObject({
  received: z.literal(true),
  duplicate: z.literal(true).optional(),
  ignored: z.string().optional(),
  bookingId: z.string().optional(),
  status: status.optional(),
});

/** Asserts `body` has exactly the schema's keys and types (and returns it typed). */
export function expectShape<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) expect.fail(`body does not match the portal's shape: ${JSON.stringify(r.error.issues.slice(0, 3))}\n${JSON.stringify(body)}`);
  return r.data;
}

/** A refusal: the status, and exactly `{ error, code }` (plus `message` when given). */
export async function expectRefusal(
  res: Response,
  status: number,
  error: string | RegExp,
  code: string,
  message?: string | RegExp,
): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(Object.keys(body).sort()).toEqual(message === undefined ? ['code', 'error'] : ['code', 'error', 'message']);
  expect(body.code).toBe(code);
  if (typeof error === 'string') expect(body.error).toBe(error);
  else expect(body.error).toMatch(error);
  if (message !== undefined) expect(body.message).toMatch(message);
  return body;
}
