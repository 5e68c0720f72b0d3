/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { closeDatabase, getDatabase } from '../lib/db/client';

const database = await getDatabase(); // getDatabase() migrates on open
console.log(`migrations applied (${database.kind})`);
await closeDatabase();
