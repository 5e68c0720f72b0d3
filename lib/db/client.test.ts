import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './client';

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
