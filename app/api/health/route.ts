import { sql } from 'drizzle-orm';
import { rows } from '@/lib/db/client';
import { errorResponse } from '@/lib/errors';
import { getDatabase } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** `GET /api/health`: 200 with the database kind when the database answers, 503 otherwise. */
export async function GET(): Promise<Response> {
  try {
    const database = await getDatabase();
    await rows(database.db, sql`select 1 as ok`);
    return Response.json({ ok: true, database: database.kind });
  } catch (err) {
    return errorResponse(err);
  }
}
