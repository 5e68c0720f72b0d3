/**
 * `GET` / `PATCH /api/hangarshare/owner/bookings/[bookingId]` — one booking, answering as the
 * portal's owner route does. Rules in `lib/domain/booking-status.ts`; errors worded in
 * `lib/domain/portal-routes.ts`.
 */
import { authenticateBearer, parseId } from '@/lib/domain/access';
import { readObject } from '@/lib/domain/body';
import { changeBookingStatus, getBooking, parseStatusBody, patchMessage } from '@/lib/domain/booking-status';
import { portalErrorResponse } from '@/lib/domain/portal-errors';
import { OWNER_BOOKING_GET_ERRORS, OWNER_BOOKING_PATCH_ERRORS } from '@/lib/domain/portal-routes';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ bookingId: string }> };

/** 200 `{ success, booking }` to the listing's owner, an admin or the renter; 400, 401, 403, 404 as `{ error, code }`. */
export const GET = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).bookingId, 'bookingId');
    return Response.json({ success: true, booking: await getBooking(claims, id) });
  } catch (err) {
    return portalErrorResponse(err, OWNER_BOOKING_GET_ERRORS);
  }
});

/**
 * Body `{ booking_status }`. 200 `{ success, message, booking, refundNeeded }`; publishes
 * `booking_updated` / `booking_completed` and, when the active set changes, `occupancy_changed`.
 * 400 (bad status, or `invalid_transition` with `currentStatus` / `requestedStatus` /
 * `allowedTransitions`), 401, 403 (not the listing's owner or an admin), 404.
 */
export const PATCH = withRequestLog(async (req: Request, { params }: Context): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).bookingId, 'bookingId');
    const status = parseStatusBody(await readObject(req));
    const { booking, refundNeeded } = await changeBookingStatus(claims, id, status);
    return Response.json({ success: true, message: patchMessage(booking.status), booking, refundNeeded });
  } catch (err) {
    return portalErrorResponse(err, OWNER_BOOKING_PATCH_ERRORS);
  }
});
