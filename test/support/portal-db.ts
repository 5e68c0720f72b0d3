/**
 * A portal-shaped database for adoption tests: the portal's four tables as its dumps and
 * migrations (010, 052, 061, 117…) leave them — its own column types, defaults, constraint and
 * index names, the dumps' foreign key `hangar_listings.owner_id → users`, columns this project does
 * not use — with rows already in place. `without` drops columns to build an older portal database.
 */
import { sql } from 'drizzle-orm';
import { rows, type Queryable } from '../../lib/db/client';

export const PORTAL_TABLES = ['users', 'hangar_owners', 'hangar_listings', 'hangar_bookings'] as const;

/** The DDL and rows; each `without` entry (`table.column`) is left out of its CREATE TABLE. */
export function portalSchemaSql(without: string[] = []): string {
  const col = (table: string, def: string) => (without.includes(`${table}.${def.trim().split(/\s+/)[0]}`) ? '' : `${def},`);
  return `
    create table users (
      id serial primary key, first_name varchar(100) not null, last_name varchar(100), email varchar(255) not null unique,
      ${col('users', 'password_hash varchar(255)')} ${col('users', 'cpf varchar(14)')} ${col('users', "plan varchar(20) default 'free'")}
      ${col('users', "role varchar(20) default 'user'")} ${col('users', 'is_hangar_owner boolean default false')}
      ${col('users', "user_type varchar(20) default 'individual'")} ${col('users', 'deleted_at timestamptz')}
      asaas_customer_id varchar(100), created_at timestamptz default now(), updated_at timestamptz default now(),
      constraint users_plan_check check (plan in ('free', 'premium', 'pro')));
    create index idx_users_is_hangar_owner on users (is_hangar_owner) where is_hangar_owner;
    create table hangar_owners (
      id serial primary key, user_id integer references users(id) on delete cascade, company_name varchar(255) not null,
      cnpj varchar(18) unique, phone varchar(20), address text, website varchar(255), description text, is_verified boolean default false,
      verification_status varchar(50) default 'pending', ${col('hangar_owners', "owner_type varchar(20) default 'company'")}
      pix_key varchar(100), created_at timestamp default current_timestamp, updated_at timestamp default current_timestamp);
    create index idx_hangar_owners_user_id on hangar_owners (user_id);
    create table hangar_listings (
      id serial primary key, owner_id integer not null references users(id), icao_code varchar(4) not null, aerodrome_name varchar(200),
      city varchar(100), state varchar(100), country varchar(100) default 'Brasil', hangar_number varchar(50),
      ${col('hangar_listings', 'hangar_location_description text')} hangar_size_sqm numeric(10,2),
      ${col('hangar_listings', 'max_wingspan_meters numeric(6,2)')} max_length_meters numeric(6,2), max_height_meters numeric(6,2),
      accepted_aircraft_categories jsonb default '[]'::jsonb, hourly_rate numeric(10,2), daily_rate numeric(10,2), weekly_rate numeric(10,2),
      monthly_rate numeric(10,2), available_from date, available_until date, is_available boolean default true, operating_hours jsonb,
      services jsonb default '[]'::jsonb, description text, ${col('hangar_listings', 'special_notes text')}
      accepts_online_payment boolean default false, accepts_payment_on_arrival boolean default true, accepts_payment_on_departure boolean default false,
      cancellation_policy varchar(50) default 'flexible', verification_status varchar(20) default 'pending', photos jsonb default '[]'::jsonb,
      status varchar(20) default 'active', approval_status varchar(50) default 'pending_approval', availability_status varchar(50) default 'available',
      ${col('hangar_listings', 'total_spaces integer default 1')} ${col('hangar_listings', 'available_spaces integer default 1')}
      is_paid boolean default false, created_at timestamp default current_timestamp, updated_at timestamp default current_timestamp,
      constraint chk_listing_status check (status in ('active','inactive','pending','rejected','suspended')));
    create index idx_listings_owner on hangar_listings (owner_id);
    create index idx_listings_status_available on hangar_listings (status, is_available);
    create table hangar_bookings (
      id serial primary key, hangar_id integer not null references hangar_listings(id) on delete cascade,
      user_id integer not null references users(id) on delete cascade, check_in timestamp not null, check_out timestamp not null,
      nights integer not null, subtotal numeric(12,2), fees numeric(12,2), total_price numeric(12,2), status varchar(20) default 'pending',
      payment_method varchar(20), stripe_payment_intent_id varchar(100), pix_payment_id varchar(100),
      ${col('hangar_bookings', 'booking_type varchar(20)')} ${col('hangar_bookings', 'refund_policy_applied varchar(50)')}
      ${col('hangar_bookings', 'promo_code varchar(50)')} ${col('hangar_bookings', 'discount_amount numeric(10,2)')}
      created_at timestamp default current_timestamp, updated_at timestamp default current_timestamp,
      constraint chk_booking_status check (status in ('pending','confirmed','completed','cancelled','rejected')));
    create index idx_hangar_bookings_hangar_id on hangar_bookings (hangar_id);
    create index idx_hangar_bookings_user_id on hangar_bookings (user_id);
    create index idx_hangar_bookings_status on hangar_bookings (status);
    insert into users (first_name, email, plan, role) values ('Portal', 'portal@x', 'pro', 'user'), ('Renter', 'renter@x', 'free', 'user');
    insert into hangar_owners (user_id, company_name, pix_key) values (1, 'Portal Hangares', 'pix-1');
    insert into hangar_listings (owner_id, icao_code, hangar_number, daily_rate, photos, approval_status) values (1, 'SBMT', 'H1', 350, '["a.jpg"]', 'approved');
    insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, total_price, status)
      values (1, 2, '2026-01-01', '2026-01-03', 2, 700.00, 'completed');
  `;
}

/** The shape of the portal tables as the catalog describes it: columns, constraints and indexes. */
export async function portalCatalog(db: Queryable) {
  const names = `{${PORTAL_TABLES.join(',')}}`;
  return {
    columns: await rows(
      db,
      sql`select table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
          from information_schema.columns where table_schema = current_schema() and table_name = any(${names}::text[]) order by table_name, ordinal_position`,
    ),
    constraints: await rows(
      db,
      sql`select conrelid::regclass::text as table_name, conname, contype, pg_get_constraintdef(oid) as def, convalidated
          from pg_constraint where conrelid::regclass::text = any(${names}::text[]) order by 1, 2`,
    ),
    indexes: await rows(
      db,
      sql`select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = any(${names}::text[]) order by 1, 2`,
    ),
  };
}
