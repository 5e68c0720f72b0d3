/**
 * The database schema: the portal's four tables as the product reads and writes them, plus the
 * tables the realtime layer owns (event log, per-owner sequence, processed Stripe events).
 *
 * Portal tables mirror `lovetofly-portal` (see shared/reference/portal.md): integer serial ids,
 * money as numeric, `check_in`/`check_out` as timestamps without time zone (stored as UTC wall
 * time), and the portal's CHECK constraint names so a migration over the portal's own database
 * recognises them. `hangar_listings.owner_id` deliberately has no foreign key: the portal's dumps
 * point it at `users` while its code uses `hangar_owners`, and adding either would reject rows
 * of a real portal database. The chain the product uses is
 * bookings.hangar_id → listings.owner_id → hangar_owners.id → hangar_owners.user_id → users.id.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, jsonb, numeric, pgTable, primaryKey, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';

export const LISTING_STATUSES = ['active', 'inactive', 'pending', 'rejected', 'suspended'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export const BOOKING_STATUSES = ['pending', 'confirmed', 'completed', 'cancelled', 'rejected'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Timestamps the portal stores without time zone; we always write and read them as UTC. */
const utcTimestamp = (name: string) => timestamp(name, { mode: 'date' });
const money = (name: string) => numeric(name, { precision: 12, scale: 2 });

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  firstName: varchar('first_name', { length: 100 }).notNull(),
  lastName: varchar('last_name', { length: 100 }),
  email: varchar('email', { length: 255 }).notNull().unique(),
  passwordHash: varchar('password_hash', { length: 255 }),
  cpf: varchar('cpf', { length: 14 }),
  plan: varchar('plan', { length: 20 }).default('standard'),
  role: varchar('role', { length: 20 }).default('user'),
  isHangarOwner: boolean('is_hangar_owner').default(false),
  userType: varchar('user_type', { length: 20 }).default('individual'),
  deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).defaultNow(),
});

export const hangarOwners = pgTable(
  'hangar_owners',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    companyName: varchar('company_name', { length: 255 }).notNull(),
    cnpj: varchar('cnpj', { length: 18 }).unique(),
    phone: varchar('phone', { length: 20 }),
    isVerified: boolean('is_verified').default(false),
    verificationStatus: varchar('verification_status', { length: 50 }).default('pending'),
    ownerType: varchar('owner_type', { length: 20 }).default('company'),
    createdAt: utcTimestamp('created_at').defaultNow(),
    updatedAt: utcTimestamp('updated_at').defaultNow(),
  },
  (t) => [index('idx_hangar_owners_user_id').on(t.userId)],
);

export const hangarListings = pgTable(
  'hangar_listings',
  {
    id: serial('id').primaryKey(),
    ownerId: integer('owner_id').notNull(),
    icaoCode: varchar('icao_code', { length: 4 }).notNull(),
    aerodromeName: varchar('aerodrome_name', { length: 255 }),
    city: varchar('city', { length: 100 }),
    state: varchar('state', { length: 2 }),
    country: varchar('country', { length: 100 }).default('Brasil'),
    hangarNumber: varchar('hangar_number', { length: 50 }),
    hangarSizeSqm: numeric('hangar_size_sqm', { precision: 10, scale: 2 }),
    hangarLocationDescription: text('hangar_location_description'),
    maxWingspanMeters: numeric('max_wingspan_meters', { precision: 6, scale: 2 }),
    maxLengthMeters: numeric('max_length_meters', { precision: 6, scale: 2 }),
    maxHeightMeters: numeric('max_height_meters', { precision: 6, scale: 2 }),
    acceptedAircraftCategories: jsonb('accepted_aircraft_categories').$type<unknown>().default(sql`'[]'::jsonb`),
    hourlyRate: numeric('hourly_rate', { precision: 10, scale: 2 }),
    dailyRate: numeric('daily_rate', { precision: 10, scale: 2 }),
    weeklyRate: numeric('weekly_rate', { precision: 10, scale: 2 }),
    monthlyRate: numeric('monthly_rate', { precision: 10, scale: 2 }),
    availableFrom: date('available_from', { mode: 'string' }),
    availableUntil: date('available_until', { mode: 'string' }),
    isAvailable: boolean('is_available').default(true),
    status: varchar('status', { length: 20 }).$type<ListingStatus>().default('active'),
    totalSpaces: integer('total_spaces').default(1),
    availableSpaces: integer('available_spaces').default(1),
    description: text('description'),
    specialNotes: text('special_notes'),
    operatingHours: jsonb('operating_hours').$type<unknown>(),
    services: jsonb('services').$type<unknown>().default(sql`'[]'::jsonb`),
    acceptsOnlinePayment: boolean('accepts_online_payment').default(false),
    acceptsPaymentOnArrival: boolean('accepts_payment_on_arrival').default(true),
    acceptsPaymentOnDeparture: boolean('accepts_payment_on_departure').default(false),
    cancellationPolicy: varchar('cancellation_policy', { length: 50 }).default('flexible'),
    /** The portal's moderation of the listing; NULL (a listing made outside the portal's flow) counts as approved. */
    approvalStatus: varchar('approval_status', { length: 50 }),
    verificationStatus: varchar('verification_status', { length: 20 }).default('pending'),
    createdAt: utcTimestamp('created_at').defaultNow(),
    updatedAt: utcTimestamp('updated_at').defaultNow(),
  },
  (t) => [
    check('chk_listing_status', sql`${t.status} in ('active','inactive','pending','rejected','suspended')`),
    index('idx_listings_owner_status').on(t.ownerId, t.status),
  ],
);

export const hangarBookings = pgTable(
  'hangar_bookings',
  {
    id: serial('id').primaryKey(),
    hangarId: integer('hangar_id')
      .notNull()
      .references(() => hangarListings.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    checkIn: utcTimestamp('check_in').notNull(),
    checkOut: utcTimestamp('check_out').notNull(),
    nights: integer('nights').notNull(),
    subtotal: money('subtotal'),
    fees: money('fees'),
    totalPrice: money('total_price'),
    status: varchar('status', { length: 20 }).$type<BookingStatus>().default('pending'),
    paymentMethod: varchar('payment_method', { length: 20 }),
    stripePaymentIntentId: varchar('stripe_payment_intent_id', { length: 100 }),
    /** `refundable` | `non_refundable`, decided at checkout in BOOKING_TIMEZONE. */
    bookingType: varchar('booking_type', { length: 20 }),
    /** The cancellation policy in force at checkout, e.g. `moderate_v1`. */
    refundPolicyApplied: varchar('refund_policy_applied', { length: 50 }),
    promoCode: varchar('promo_code', { length: 50 }),
    discountAmount: numeric('discount_amount', { precision: 10, scale: 2 }),
    createdAt: utcTimestamp('created_at').defaultNow(),
    updatedAt: utcTimestamp('updated_at').defaultNow(),
  },
  (t) => [
    check('chk_booking_status', sql`${t.status} in ('pending','confirmed','completed','cancelled','rejected')`),
    index('idx_hangar_bookings_hangar_created').on(t.hangarId, t.createdAt),
    index('idx_hangar_bookings_payment_intent').on(t.stripePaymentIntentId),
    // The metrics' time windows for a whole set of owners (bench: 5 000-owner tick 760 → 250 ms):
    // index-only scans of recent bookings, and of the confirmed ones still running.
    index('idx_hangar_bookings_created_cover').on(t.createdAt, t.hangarId, t.status, t.totalPrice),
    index('idx_hangar_bookings_confirmed_checkout').on(t.checkOut, t.hangarId, t.checkIn).where(sql`${t.status} = 'confirmed'`),
  ],
);

/**
 * The per-owner event log. `seq` is assigned from `owner_sequences` in the same transaction as
 * the change it records, so it is gap-free and increases in commit order for each owner.
 */
export const realtimeEvents = pgTable(
  'realtime_events',
  {
    ownerId: integer('owner_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: varchar('type', { length: 40 }).notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.seq] }), index('idx_realtime_events_created').on(t.createdAt)],
);

/** One row per owner holding the last sequence number handed out; `UPDATE … RETURNING` serializes writers. */
export const ownerSequences = pgTable('owner_sequences', {
  ownerId: integer('owner_id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
});

/** Stripe event ids already applied, so a replayed webhook changes nothing. */
export const stripeEvents = pgTable('stripe_events', {
  eventId: varchar('event_id', { length: 255 }).primaryKey(),
  type: varchar('type', { length: 100 }).notNull(),
  processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Live instances sharing this PostgreSQL (scale-out): each upserts its row every few seconds with
 * its stream counts per owner, so caps and stats are cluster-wide. Rows older than a few
 * heartbeats belong to dead instances and are ignored (and deleted by the next live one).
 */
export const realtimeInstances = pgTable('realtime_instances', {
  instanceId: varchar('instance_id', { length: 64 }).primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** `{ connections, perOwner: { [ownerId]: n }, ...counters }` */
  stats: jsonb('stats').notNull(),
});

/**
 * Client messages (`POST /api/ws`) for a stream held by another instance, made durable instead of
 * routed over LISTEN (which a transaction pooler cannot carry). The receiving instance writes a
 * row; the holding instance takes its rows on its next cluster tick (`outcome` 'taken'), applies
 * them and writes the outcome ('applied' or the refusal); the receiver answers the POST from it.
 */
export const realtimeStreamCommands = pgTable(
  'realtime_stream_commands',
  {
    id: varchar('id', { length: 36 }).primaryKey(),
    /** The instance holding the stream (prefix of the connection id). */
    instanceId: varchar('instance_id', { length: 64 }).notNull(),
    connectionId: varchar('connection_id', { length: 128 }).notNull(),
    /** 'auth' | 'ping' | 'request_metrics' */
    op: varchar('op', { length: 20 }).notNull(),
    ownerId: integer('owner_id').notNull(),
    userId: integer('user_id').notNull(),
    admin: boolean('admin').notNull().default(false),
    /** auth: the new token expiry, seconds since the epoch. */
    exp: bigint('exp', { mode: 'number' }),
    /** ping: the server time the POST answers with, ms. */
    serverTime: bigint('server_time', { mode: 'number' }),
    outcome: varchar('outcome', { length: 30 }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('idx_realtime_stream_commands_pending').on(t.instanceId).where(sql`${t.outcome} is null`)],
);

/**
 * Payments of bookings made through this service's checkout (this project's table; the portal's
 * `hangar_bookings` has no column for them): one row per booking whose PaymentIntent was created
 * here, `requires_payment` until Stripe reports `payment_intent.succeeded`, then `succeeded` with
 * the charge and the time. No foreign key to `hangar_bookings`: adding one would lock the portal's table.
 */
export const bookingPayments = pgTable('booking_payments', {
  bookingId: integer('booking_id').primaryKey(),
  paymentIntentId: varchar('payment_intent_id', { length: 100 }).notNull(),
  status: varchar('status', { length: 30 }).notNull(),
  amount: money('amount'),
  chargeId: varchar('charge_id', { length: 100 }),
  paidAt: timestamp('paid_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Refunds made on cancellation (this project's table; the portal's `refund_*` columns do not exist
 * on `hangar_bookings`). `status` is Stripe's refund status, or `local` in local payment mode.
 */
export const bookingRefunds = pgTable(
  'booking_refunds',
  {
    id: serial('id').primaryKey(),
    bookingId: integer('booking_id').notNull(),
    paymentIntentId: varchar('payment_intent_id', { length: 100 }),
    refundId: varchar('refund_id', { length: 100 }),
    amount: money('amount').notNull(),
    status: varchar('status', { length: 30 }).notNull(),
    reason: text('reason'),
    requestedBy: integer('requested_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('idx_booking_refunds_booking').on(t.bookingId)],
);
