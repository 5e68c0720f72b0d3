/**
 * `GET` / `PATCH /api/hangarshare/listings/[id]` — one hangar listing. Rules in
 * `lib/domain/listings.ts` and `lib/domain/listing-update.ts`.
 */
import { authenticateBearer, parseId } from '@/lib/domain/access';
import { ListingPatchBody, updateListing } from '@/lib/domain/listing-update';
import { getListing } from '@/lib/domain/listings';
import { errorResponse } from '@/lib/errors';
import { readJson } from '@/lib/http';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** 200 `{ listing }`: an active listing to any signed-in user, others to their owner or an admin (else 404). */
export async function GET(req: Request, { params }: Context): Promise<Response> {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).id, 'id');
    return Response.json({ listing: await getListing(claims, id) });
  } catch (err) {
    return errorResponse(err);
  }
}

/**
 * Body: any of `status`, `total_spaces`, `hourly_rate`, `daily_rate`, `weekly_rate`,
 * `monthly_rate`, `is_available`, `available_from`, `available_until`, `description`. 200
 * `{ listing }`, with `occupancy_changed` when capacity or the active status changes. 400, 401,
 * 403 (`forbidden`, `forbidden_status`), 404.
 */
export async function PATCH(req: Request, { params }: Context): Promise<Response> {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).id, 'id');
    const patch = await readJson(req, ListingPatchBody);
    return Response.json({ listing: await updateListing(claims, id, patch) });
  } catch (err) {
    return errorResponse(err);
  }
}
