import { getDatabase, stopRuntime } from '../lib/runtime';
/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */

const database = await getDatabase(); // getDatabase() migrates on open
console.log(`migrations applied (${database.kind})`);
await stopRuntime();
