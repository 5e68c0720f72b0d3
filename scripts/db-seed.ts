/** `npm run db:seed`: migrates, then seeds the demo data (does nothing if it is already there). */
import { config } from '../lib/config';
import { DEMO_ACCOUNTS, seedDemoData } from '../lib/db/seed';
import { getDatabase, stopRuntime } from '../lib/runtime';

const database = await getDatabase();
const result = await seedDemoData(database.db, { timeZone: config().BOOKING_TIMEZONE });
console.log(result.seeded ? `seeded (${database.kind}): ${JSON.stringify(result)}` : 'demo data already present; nothing to do');
for (const a of DEMO_ACCOUNTS) console.log(`  login: ${a.email} / ${a.password}${a.role === 'ADMIN' ? ' (admin)' : ''}`);
await stopRuntime();
