/**
 * Adopting a live portal database without altering it.
 *
 * The four portal tables (`users`, `hangar_owners`, `hangar_listings`, `hangar_bookings`) are this
 * project's to create and migrate only when this project created them: on an empty database (the
 * embedded demo, a fresh PostgreSQL), every one of them is created here and recorded in
 * `hangarshare_owned_tables`. A portal table that already existed when this project first booted is
 * *foreign*: no migration statement that names it ever runs (no `ALTER TABLE`, even one that would
 * change nothing — each takes an ACCESS EXCLUSIVE lock and queues the portal's traffic behind it —,
 * no foreign key, no index build). Instead boot checks that every column this project reads or
 * writes exists, and refuses to start with the list of what is missing and the SQL to add it,
 * for the operator to run when it suits the portal. Indexes this project wants on portal tables are
 * left to `npm run db:indexes` (CREATE INDEX CONCURRENTLY, outside a transaction, with lock_timeout).
 */
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { rows, type Queryable } from './client';
import { hangarBookings, hangarListings, hangarOwners, users } from './schema';

/** The portal's tables, as this project's schema mirrors them. */
export const PORTAL_TABLES: Readonly<Record<string, PgTable>> = {
  users,
  hangar_owners: hangarOwners,
  hangar_listings: hangarListings,
  hangar_bookings: hangarBookings,
};

export const PORTAL_TABLE_NAMES = Object.keys(PORTAL_TABLES);

/** This project's record of the portal tables it created itself (so it may migrate them). */
export const OWNED_TABLES_TABLE = 'hangarshare_owned_tables';

/** Which portal tables this boot may migrate (`owned`) and which it must leave alone (`foreign`). */
export interface Ownership {
  owned: Set<string>;
  foreign: Set<string>;
  /** Portal tables that do not exist yet: this boot creates them and records them as owned. */
  toCreate: Set<string>;
}

/**
 * Decides who owns each portal table. `legacyOwned`: an embedded (PGlite) database migrated by an
 * earlier version of this project, before ownership was recorded — the portal never runs on
 * PGlite, so its tables can only be ours.
 */
export async function ownershipOf(db: Queryable, opts: { legacyOwned: boolean; recordExists: boolean }): Promise<Ownership> {
  const existing = new Set(
    (
      await rows<{ name: string }>(
        db,
        sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relname = any(${`{${PORTAL_TABLE_NAMES.join(',')}}`}::text[])`,
      )
    ).map((r) => r.name),
  );
  const recorded = new Set(
    opts.recordExists ? (await rows<{ name: string }>(db, sql.raw(`select table_name as name from ${OWNED_TABLES_TABLE}`))).map((r) => r.name) : [],
  );
  const result: Ownership = { owned: new Set(), foreign: new Set(), toCreate: new Set() };
  for (const table of PORTAL_TABLE_NAMES) {
    if (!existing.has(table)) result.toCreate.add(table);
    else if (recorded.has(table) || opts.legacyOwned) result.owned.add(table);
    else result.foreign.add(table);
  }
  return result;
}

/** The table names a migration statement mentions among the portal tables. */
export function portalTablesIn(statement: string): string[] {
  return PORTAL_TABLE_NAMES.filter((t) => new RegExp(`"${t}"`).test(statement));
}

/** True for `CREATE [UNIQUE] INDEX` statements. */
export const isIndexBuild = (statement: string) => /^\s*CREATE\s+(UNIQUE\s+)?INDEX\b/i.test(statement);

/** A column the schema needs and the database lacks, with the statement that would add it. */
export interface MissingColumn {
  table: string;
  column: string;
  sql: string;
}

function defaultClause(column: PgColumn): string {
  const d = column.default as unknown;
  if (d === undefined || d === null) return '';
  if (typeof d === 'string') return ` DEFAULT '${d.replace(/'/g, "''")}'`;
  if (typeof d === 'number' || typeof d === 'boolean') return ` DEFAULT ${String(d)}`;
  const chunks = (d as { queryChunks?: { value?: string[] }[] }).queryChunks;
  const text = chunks?.flatMap((c) => c.value ?? []).join('');
  return text ? ` DEFAULT ${text}` : '';
}

/** Every column of the schema's `tables` that the database lacks (information_schema, no lock taken). */
export async function missingColumns(db: Queryable, tables: Iterable<string>): Promise<MissingColumn[]> {
  const names = [...tables];
  if (names.length === 0) return [];
  const present = await rows<{ table_name: string; column_name: string }>(
    db,
    sql`select table_name, column_name from information_schema.columns
        where table_schema = current_schema() and table_name = any(${`{${names.join(',')}}`}::text[])`,
  );
  const have = new Set(present.map((r) => `${r.table_name}.${r.column_name}`));
  const missing: MissingColumn[] = [];
  for (const table of names) {
    for (const column of getTableConfig(PORTAL_TABLES[table]).columns) {
      if (have.has(`${table}.${column.name}`)) continue;
      missing.push({
        table,
        column: column.name,
        sql: `ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS "${column.name}" ${column.getSQLType()}${defaultClause(column)};`,
      });
    }
  }
  return missing;
}

/** The error boot throws when the portal's tables lack columns: what is missing and how to add it. */
export class MissingPortalColumnsError extends Error {
  constructor(readonly missing: MissingColumn[]) {
    super(
      [
        `The portal database lacks ${missing.length} column(s) this service needs, and it never alters the portal's tables itself:`,
        ...missing.map((m) => `  - ${m.table}.${m.column}`),
        'Add them (each ALTER briefly takes an ACCESS EXCLUSIVE lock on its table; run it when the portal can wait), then restart:',
        ...missing.map((m) => `  ${m.sql}`),
      ].join('\n'),
    );
    this.name = 'MissingPortalColumnsError';
  }
}
