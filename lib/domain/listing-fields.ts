/**
 * Every listing field the portal's pages read and write, in one table: its camelCase key (what the
 * edit page sends), its column, its schema and what it must be (pt-BR, for the page's `message`).
 * Both PATCH routes accept these keys (and their snake_case spellings); any other key is a 400
 * that names it, so an edit is never silently dropped. `null` clears a field (the portal's
 * COALESCE could not clear anything); `""` clears a date (the portal answered 500).
 */
import { z } from 'zod';
import { config } from '../config';
import { LISTING_STATUSES } from '../db/schema';
import { field, type FieldSpec } from './body';
import { MAX_RATE, moneySchema } from './money';
import { CANCELLATION_POLICIES } from './refund-policy';
import { zonedDay } from '../time';

/** Largest `total_spaces` accepted. */
export const MAX_TOTAL_SPACES = 1000;

const text = (max: number) => z.string().max(max).nullable();
/** A decimal within `numeric(p, 2)`: number or decimal text; `""` clears (the page's empty input). */
const decimal = (max: number) => z.union([z.literal('').transform(() => null), moneySchema({ max }), z.null()]);
const list = z.array(z.string().max(100)).max(50).nullable();
const bool = z.boolean().nullable();

/** A day: `YYYY-MM-DD`, or an ISO date-time as the portal's GET loaded it (its day in BOOKING_TIMEZONE); `""` clears. */
const day = z.union([
  z.literal('').transform(() => null),
  z.iso.date(),
  z.iso.datetime({ offset: true }).transform((s) => zonedDay(new Date(s), config().BOOKING_TIMEZONE).day),
  z.null(),
]);

/** The editable fields, by their camelCase key. */
export const LISTING_FIELDS = {
  icaoCode: field(
    z
      .string()
      .regex(/^[A-Za-z0-9]{4}$/)
      .transform((s) => s.toUpperCase()),
    'código ICAO de 4 letras',
  ),
  aerodromeName: field(text(255), 'texto de até 255 caracteres, ou null'),
  city: field(text(100), 'texto de até 100 caracteres, ou null'),
  state: field(text(2), 'sigla de estado (2 letras), ou null'),
  hangarNumber: field(text(50), 'texto de até 50 caracteres, ou null'),
  hangarLocationDescription: field(text(5000), 'texto de até 5000 caracteres, ou null'),
  description: field(text(5000), 'texto de até 5000 caracteres, ou null'),
  specialNotes: field(text(5000), 'texto de até 5000 caracteres, ou null'),
  hangarSizeSqm: field(decimal(99_999_999.99), 'número ≥ 0 com até 2 casas decimais, ou null'),
  maxWingspanMeters: field(decimal(9_999.99), 'número entre 0 e 9999,99, ou null'),
  maxLengthMeters: field(decimal(9_999.99), 'número entre 0 e 9999,99, ou null'),
  maxHeightMeters: field(decimal(9_999.99), 'número entre 0 e 9999,99, ou null'),
  acceptedAircraftCategories: field(list, 'lista de textos, ou null'),
  hourlyRate: field(decimal(MAX_RATE), 'valor em R$ ≥ 0 com até 2 casas decimais, ou null'),
  dailyRate: field(decimal(MAX_RATE), 'valor em R$ ≥ 0 com até 2 casas decimais, ou null'),
  weeklyRate: field(decimal(MAX_RATE), 'valor em R$ ≥ 0 com até 2 casas decimais, ou null'),
  monthlyRate: field(decimal(MAX_RATE), 'valor em R$ ≥ 0 com até 2 casas decimais, ou null'),
  availableFrom: field(day, 'data AAAA-MM-DD, "" ou null'),
  availableUntil: field(day, 'data AAAA-MM-DD, "" ou null'),
  acceptsOnlinePayment: field(bool, 'true ou false'),
  acceptsPaymentOnArrival: field(bool, 'true ou false'),
  acceptsPaymentOnDeparture: field(bool, 'true ou false'),
  cancellationPolicy: field(z.enum(CANCELLATION_POLICIES as [string, ...string[]]).nullable(), 'flexible, moderate ou strict'),
  operatingHours: field(z.record(z.string().max(50), z.unknown()).nullable(), 'objeto com os horários, ou null'),
  services: field(list, 'lista de textos, ou null'),
  isAvailable: field(bool, 'true ou false'),
  status: field(z.enum(LISTING_STATUSES), `um de ${LISTING_STATUSES.join(', ')}`),
  totalSpaces: field(z.int().min(1).max(MAX_TOTAL_SPACES), `inteiro de 1 a ${MAX_TOTAL_SPACES}`),
} satisfies Record<string, FieldSpec>;

export type ListingFieldKey = keyof typeof LISTING_FIELDS;

/** `hangarSizeSqm` → `hangar_size_sqm`. */
export const snakeOf = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The snake_case spelling of every key, accepted as an alias (the portal's plural route and older clients). */
export const SNAKE_ALIASES: Record<string, ListingFieldKey> = Object.fromEntries(
  (Object.keys(LISTING_FIELDS) as ListingFieldKey[]).map((k) => [snakeOf(k), k]).filter(([s, k]) => s !== k),
);

/** Keys the singular `PATCH listing/[id]` takes: the portal's `hangarNumber`…`isAvailable` (no status, no capacity). */
export const SINGULAR_KEYS = (Object.keys(LISTING_FIELDS) as ListingFieldKey[]).filter((k) => k !== 'status' && k !== 'totalSpaces');

/** The decimal fields (stored as numeric text). */
export const DECIMAL_KEYS: readonly ListingFieldKey[] = [
  'hangarSizeSqm',
  'maxWingspanMeters',
  'maxLengthMeters',
  'maxHeightMeters',
  'hourlyRate',
  'dailyRate',
  'weeklyRate',
  'monthlyRate',
];
