/**
 * `GET` / `PATCH /api/hangarshare/owner/bookings/[bookingId]` — one booking, as the portal's owner
 * route serves it. Rules in `lib/domain/booking-status.ts`.
 */
import { authenticateBearer, parseId } from '@/lib/domain/access';
import { BookingStatusBody, changeBookingStatus, getBooking } from '@/lib/domain/booking-status';
import { errorResponse } from '@/lib/errors';
import { readJson } from '@/lib/http';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ bookingId: string }> };

/** 200 `{ booking }` to the listing's owner, an admin or the renter; 400 bad id, 401, 403, 404. */
export async function GET(req: Request, { params }: Context): Promise<Response> {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).bookingId, 'bookingId');
    return Response.json({ booking: await getBooking(claims, id) });
  } catch (err) {
    return errorResponse(err);
  }
}

/**
 * Body `{ booking_status }` (or `{ status }`). 200 `{ booking, changed }` — `changed: false` when
 * the booking already had that status; publishes `booking_updated` / `booking_completed` and, when
 * the active set changes, `occupancy_changed`. 400, 401, 403 (not the listing's owner or an admin),
 * 404, 409 `invalid_transition`.
 */
export async function PATCH(req: Request, { params }: Context): Promise<Response> {
  try {
    const claims = await authenticateBearer(req);
    const id = parseId((await params).bookingId, 'bookingId');
    const { status } = await readJson(req, BookingStatusBody);
    return Response.json(await changeBookingStatus(claims, id, status));
  } catch (err) {
    return errorResponse(err);
  }
}
