import { defineConfig } from 'drizzle-kit';

// `drizzle-kit generate` needs no database. Migrations are made idempotent afterwards by
// scripts/idempotent-migrations.mjs (run by `npm run db:generate`) so they also apply over the
// portal's existing tables.
export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/db/schema.ts',
  out: './drizzle',
});
