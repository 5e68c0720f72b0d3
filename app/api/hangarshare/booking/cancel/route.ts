/**
 * `POST /api/hangarshare/booking/cancel` — the renter's (or an admin's) cancellation, answering as
 * the portal's route does, and reaching the owner's dashboard as `booking_updated`. Rules in
 * `lib/domain/booking-cancel.ts`; errors worded in `lib/domain/portal-routes.ts`.
 */
import { authenticateBearer } from '@/lib/domain/access';
import { readObject } from '@/lib/domain/body';
import { cancelBooking, parseCancelBody } from '@/lib/domain/booking-cancel';
import { portalErrorResponse } from '@/lib/domain/portal-errors';
import { CANCEL_ERRORS } from '@/lib/domain/portal-routes';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

/**
 * Body `{ bookingId, reason, refundType? }`. 200 `{ success, message: "Booking cancelled
 * successfully", booking: { id, status, originalAmount, refundAmount, refundId } }`; 400, 401,
 * 403, 404, 502 (the refund failed: nothing changed) as `{ error, code }`.
 */
export const POST = withRequestLog(async (req: Request): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const input = parseCancelBody(await readObject(req));
    const booking = await cancelBooking(claims, input);
    return Response.json({ success: true, message: 'Booking cancelled successfully', booking });
  } catch (err) {
    return portalErrorResponse(err, CANCEL_ERRORS);
  }
});
