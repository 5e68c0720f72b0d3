/**
 * `GET /api/ws` up to the first byte: authenticate (Bearer header, then `token` cookie), resolve
 * and authorize the owner, parse the resume position, apply the caps. Every refusal is a JSON
 * error before any stream byte.
 */
import { resolveOwner } from '../../auth/owners';
import { authenticate } from '../../auth/request';
import { AppError, errorCode, errorResponse } from '../../errors';
import { metrics } from '../../observability/metrics';
import { getDb, getRuntime } from '../../runtime';
import { openWebStream } from './transport-web';

/** Parses `Last-Event-ID` / `lastEventId`: a non-negative integer sequence number, or absent. */
export function parseLastEventId(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const s = raw.trim();
  if (!/^\d{1,15}$/.test(s)) {
    throw new AppError(400, 'invalid_last_event_id', 'Last-Event-ID must be a non-negative integer sequence number.');
  }
  return Number(s);
}

export interface StreamRequest {
  ownerId: number;
  userId: number;
  exp: number;
  lastEventId?: number;
}

/** Everything `GET /api/ws` checks before streaming; throws an `AppError` on refusal. */
export async function authorizeStream(req: Request): Promise<StreamRequest> {
  const claims = await authenticate(req);
  const url = new URL(req.url);
  const lastEventId = parseLastEventId(req.headers.get('last-event-id') ?? url.searchParams.get('lastEventId'));
  const ownerId = await resolveOwner(await getDb(), claims, url.searchParams.get('ownerId'));
  return { ownerId, userId: claims.userId, exp: claims.exp, lastEventId };
}

/** The whole `GET /api/ws` over the Web-streams transport. */
export async function handleStreamRequest(req: Request): Promise<Response> {
  try {
    const params = await authorizeStream(req);
    const { hub } = await getRuntime();
    hub.admit(params.ownerId);
    return openWebStream(hub, params, req.signal);
  } catch (err) {
    metrics().streamRefusals.inc({ code: errorCode(err) });
    return errorResponse(err);
  }
}
