/**
 * `GET` / `PATCH /api/hangarshare/listings/[id]` — the portal's plural listing route; the edit
 * page saves through its PATCH. Rules in `lib/domain/listings.ts` and
 * `lib/domain/listing-update.ts`; errors worded in `lib/domain/portal-routes.ts`.
 */
import { authenticateBearer, optionalBearer, parseId } from '@/lib/domain/access';
import { readObject } from '@/lib/domain/body';
import { parseListingPatch, updateListing } from '@/lib/domain/listing-update';
import { getListingRow, toListingRow } from '@/lib/domain/listings';
import { portalErrorResponse } from '@/lib/domain/portal-errors';
import { LISTINGS_GET_ERRORS, LISTINGS_PATCH_ERRORS } from '@/lib/domain/portal-routes';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** Public: 200 the bare snake_case row (no envelope) for a listing on the marketplace (others: owner or admin). */
export const GET = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const id = parseId((await params).id, 'id');
    return Response.json(await getListingRow(await optionalBearer(req), id));
  } catch (err) {
    return portalErrorResponse(err, LISTINGS_GET_ERRORS);
  }
});

/**
 * Owner or admin: every key the edit page sends (camelCase, or snake_case), plus `icaoCode`,
 * `status` and `totalSpaces`; an unknown key is a 400 naming it. 200 `{ success, message, listing }`,
 * with `occupancy_changed` when capacity or the active status changes. Errors `{ error, code, message }`.
 */
export const PATCH = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).id, 'id');
    const patch = parseListingPatch(await readObject(req), 'all');
    const listing = await updateListing(claims, id, patch);
    return Response.json({ success: true, message: 'Listing updated successfully', listing: toListingRow(listing) });
  } catch (err) {
    return portalErrorResponse(err, LISTINGS_PATCH_ERRORS);
  }
});
