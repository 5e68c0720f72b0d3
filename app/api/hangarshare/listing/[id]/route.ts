/**
 * `GET` / `PATCH` / `DELETE /api/hangarshare/listing/[id]` — the portal's singular listing route:
 * the public listing page and the edit page load it, the edit page deletes through it. Rules in
 * `lib/domain/listings.ts` and `lib/domain/listing-update.ts`; errors worded in
 * `lib/domain/portal-routes.ts`.
 */
import { authenticateBearer, optionalBearer, parseId } from '@/lib/domain/access';
import { readObject } from '@/lib/domain/body';
import { deleteListing, parseListingPatch, updateListing } from '@/lib/domain/listing-update';
import { getHangar } from '@/lib/domain/listings';
import { portalErrorResponse } from '@/lib/domain/portal-errors';
import { LISTING_DELETE_ERRORS, LISTING_GET_ERRORS, LISTING_PATCH_ERRORS } from '@/lib/domain/portal-routes';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** Public: 200 `{ success, hangar }` for a listing on the marketplace (others: their owner or an admin). 400, 404. */
export const GET = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const id = parseId((await params).id, 'id');
    return Response.json({ success: true, hangar: await getHangar(await optionalBearer(req), id) });
  } catch (err) {
    return portalErrorResponse(err, LISTING_GET_ERRORS);
  }
});

/** Owner or admin: the camelCase fields `hangarNumber`…`isAvailable`. 200 `{ success, message, listingId }`. */
export const PATCH = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).id, 'id');
    const patch = parseListingPatch(await readObject(req), 'singular');
    const listing = await updateListing(claims, id, patch);
    return Response.json({ success: true, message: 'Hangar atualizado com sucesso', listingId: listing.id });
  } catch (err) {
    return portalErrorResponse(err, LISTING_PATCH_ERRORS);
  }
});

/** Owner or admin. 200 `{ success, message }`; 409 while it has bookings that have not ended. */
export const DELETE = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).id, 'id');
    await deleteListing(claims, id);
    return Response.json({ success: true, message: 'Hangar removido com sucesso' });
  } catch (err) {
    return portalErrorResponse(err, LISTING_DELETE_ERRORS);
  }
});
