/**
 * `POST /api/hangarshare/booking/confirm` — the portal's booking route. The renter is the token's
 * user (an admin may name another with `userId`). The rules live in `lib/domain/booking-confirm.ts`.
 */
import { authenticateBearer } from '@/lib/domain/access';
import { ConfirmBookingBody, confirmBooking } from '@/lib/domain/booking-confirm';
import { errorResponse } from '@/lib/errors';
import { readJson } from '@/lib/http';

export const dynamic = 'force-dynamic';

/**
 * Body `{ hangarId, userId?, checkIn, checkOut, totalPrice, subtotal?, fees?, promoCode? }`.
 * 201 `{ booking, created: true }` with `booking_created` (and `occupancy_changed` when the stay
 * has begun); 200 `{ booking, created: false }` for a repeat within 15 minutes; 400 bad input or
 * dates, 401, 403 `forbidden_user`, 404 `listing_not_found` / `user_not_found`, 409
 * `listing_not_active` / `listing_unavailable` / `outside_availability` / `no_availability`.
 */
export async function POST(req: Request): Promise<Response> {
  try {
    const claims = await authenticateBearer(req);
    const input = await readJson(req, ConfirmBookingBody);
    const { booking, created } = await confirmBooking(claims, input);
    return Response.json({ booking, created }, { status: created ? 201 : 200 });
  } catch (err) {
    return errorResponse(err);
  }
}
