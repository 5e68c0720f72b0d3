/**
 * Every test file gets its own empty database: a fresh PostgreSQL database (dropped afterwards)
 * when DATABASE_URL is set, otherwise an in-memory PGlite. The process-wide handle
 * (`getDatabase()` of `lib/runtime.ts`) then points at it, so route handlers under test use it too.
 */
import { afterAll } from 'vitest';
import { resetConfig } from '../../lib/config';
import { createScratchDatabase, dropScratchDatabase } from './db';
import { stopRuntime } from '../../lib/runtime';

process.env.JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
process.env.SEED_DEMO_DATA = '0';
// Warnings and errors only: a request line per handler call would drown the test report.
process.env.LOG_LEVEL ??= 'warn';
const scratch = await createScratchDatabase();
if (scratch.url) process.env.DATABASE_URL = scratch.url;
else process.env.PGLITE_DIR = 'memory://';
resetConfig();

afterAll(async () => {
  await stopRuntime();
  await dropScratchDatabase(scratch);
});
