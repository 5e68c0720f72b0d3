/**
 * `POST /api/hangarshare/booking/confirm` — the portal's checkout, answering as the portal does.
 * The renter is the token's user (an admin may name another with `userId`). Rules in
 * `lib/domain/booking-confirm.ts`; errors worded in `lib/domain/portal-routes.ts`.
 */
import { authenticateBearer } from '@/lib/domain/access';
import { confirmBooking, parseConfirmBody } from '@/lib/domain/booking-confirm';
import { readObject } from '@/lib/domain/body';
import { portalErrorResponse } from '@/lib/domain/portal-errors';
import { CONFIRM_ERRORS } from '@/lib/domain/portal-routes';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

/**
 * Body `{ hangarId, userId?, checkIn, checkOut, totalPrice, subtotal?, fees?, promoCode? }`.
 * 200 `{ success, booking, payment: { clientSecret, paymentIntentId, publishableKey } }` (a replay
 * within 15 minutes answers the same intent); errors `{ error, code }`.
 */
export const POST = withRequestLog(async (req: Request): Promise<Response> => {
  try {
    const claims = await authenticateBearer(req);
    const input = parseConfirmBody(await readObject(req));
    const { booking, payment } = await confirmBooking(claims, input);
    return Response.json({ success: true, booking, payment });
  } catch (err) {
    return portalErrorResponse(err, CONFIRM_ERRORS);
  }
});
