import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resetConfig } from '../config';
import { openDatabase, parsePostgresUrl, type Database } from './client';
import { migrate } from './migrate';

describe('embedded database lock', () => {
  it('refuses a data directory that another live process holds, with a clear message', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hs-lock-')), 'pg');
    writeFileSync(`${dir}.lock`, String(process.ppid)); // our parent: alive, not us
    await expect(openDatabase({ dir })).rejects.toThrow(/already open in process \d+.*DATABASE_URL/);
  });

  it('takes over a lock left by a dead process, and releases it on close', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hs-lock-')), 'pg');
    writeFileSync(`${dir}.lock`, '2147483646');
    const database = await openDatabase({ dir });
    expect(existsSync(`${dir}.lock`)).toBe(true);
    await database.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});

describe('a URL that declares a transaction pooler', () => {
  it('is recognised by ?pgbouncer=true, and the marker is stripped before postgres.js sends it as a setting', () => {
    expect(parsePostgresUrl('postgres://u:p@pool.example:6432/db?pgbouncer=true&sslmode=require')).toEqual({
      url: 'postgres://u:p@pool.example:6432/db?sslmode=require',
      pooled: true,
    });
  });

  it('leaves a direct URL untouched', () => {
    expect(parsePostgresUrl('postgres://u@db.example:5432/db?sslmode=require')).toEqual({
      url: 'postgres://u@db.example:5432/db?sslmode=require',
      pooled: false,
    });
  });

  it('reads pgbouncer=false as direct, and still strips the marker', () => {
    expect(parsePostgresUrl('postgres://u@h/db?pgbouncer=false')).toEqual({ url: 'postgres://u@h/db', pooled: false });
  });
});

describe('migrations behind a transaction pooler', () => {
  it('refuse to run without DATABASE_DIRECT_URL, saying what to set (a session lock through the pooler would leak)', async () => {
    const pooled = { kind: 'postgres', pooled: true, url: 'postgres://u@127.0.0.1:1/db' } as unknown as Database;
    const saved = process.env.DATABASE_DIRECT_URL;
    delete process.env.DATABASE_DIRECT_URL;
    resetConfig();
    try {
      await expect(migrate(pooled)).rejects.toThrow(/DATABASE_DIRECT_URL/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_DIRECT_URL = saved;
      resetConfig();
    }
  });
});
