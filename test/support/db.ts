/** Throwaway databases for tests: a new PostgreSQL database per call, or an in-memory PGlite. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../lib/db/client';

const g = globalThis as { __baseDatabaseUrl?: string | null };
/** The URL CI gave us (before setup swapped DATABASE_URL for a per-file database). */
export function baseDatabaseUrl(): string | undefined {
  if (g.__baseDatabaseUrl === undefined) g.__baseDatabaseUrl = process.env.TEST_BASE_DATABASE_URL ?? process.env.DATABASE_URL ?? null;
  return g.__baseDatabaseUrl ?? undefined;
}
// Only when there is one: assigning undefined to process.env stores the string "undefined".
if (baseDatabaseUrl() && !process.env.TEST_BASE_DATABASE_URL) process.env.TEST_BASE_DATABASE_URL = baseDatabaseUrl();

export interface Scratch {
  url?: string;
  name?: string;
}

/** Creates an empty database; `{}` means "use in-memory PGlite". */
export async function createScratchDatabase(): Promise<Scratch> {
  const base = baseDatabaseUrl();
  if (!base) return {};
  const name = `hs_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function dropScratchDatabase(s: Scratch): Promise<void> {
  const base = baseDatabaseUrl();
  if (!base || !s.name) return;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${s.name}" with (force)`);
  } finally {
    await admin.end();
  }
}

/** Opens a second, independent empty database (not the process-wide one). Close it with `.close()`. */
export async function openScratch(): Promise<Database & { dispose(): Promise<void> }> {
  const s = await createScratchDatabase();
  const database = await openDatabase(s.url ? { url: s.url } : { dir: 'memory://' });
  return Object.assign(database, {
    async dispose() {
      await database.close();
      await dropScratchDatabase(s);
    },
  });
}
