/**
 * Who is asking: every hostile token, and every hostile shape of the `Authorization` header,
 * against every endpoint that needs a user. The bodies are valid, and aimed at rows of owner1, so
 * a token that slipped through would change a row (the suite's snapshot catches that) or answer 2xx.
 */
import type { Attack } from '../http';
import type { World } from '../setup-data';
import type { HostileToken } from '../tokens';

interface Endpoint {
  label: string;
  method: string;
  path: string;
  body?: string;
  /** What a valid token of a user who does not exist gets here (the stats route checks only the role). */
  ghost: { status: number; error: string };
}

const DAY = 86_400_000;

/** The protected endpoints, each with a body that would change owner1's data if it got through. */
export function protectedEndpoints(w: World): Endpoint[] {
  const checkIn = new Date(Math.ceil(Date.now() / DAY) * DAY + 600 * DAY);
  const ghost = { status: 401, error: 'invalid_token' };
  return [
    { label: 'GET /api/ws', method: 'GET', path: `/api/ws?ownerId=${w.owner1.ownerId}`, ghost },
    { label: 'POST /api/ws', method: 'POST', path: '/api/ws', body: JSON.stringify({ type: 'request_metrics', ownerId: String(w.owner1.ownerId) }), ghost },
    // Stats check that the user exists (and read the role from the row) before anything else.
    { label: 'GET /api/ws/stats', method: 'GET', path: '/api/ws/stats', ghost },
    // (GET listings/[id] is public, as the portal's: it is not in this list.)
    {
      label: 'PATCH listing',
      method: 'PATCH',
      path: `/api/hangarshare/listings/${w.ownListing.id}`,
      body: JSON.stringify({ description: 'pwned', status: 'inactive' }),
      ghost,
    },
    {
      label: 'POST booking/confirm',
      method: 'POST',
      path: '/api/hangarshare/booking/confirm',
      body: JSON.stringify({
        hangarId: w.ownListing.id,
        checkIn: checkIn.toISOString(),
        checkOut: new Date(checkIn.getTime() + DAY).toISOString(),
        totalPrice: 1,
      }),
      ghost,
    },
    { label: 'GET booking', method: 'GET', path: `/api/hangarshare/owner/bookings/${w.ownBooking.id}`, ghost },
    {
      label: 'PATCH booking',
      method: 'PATCH',
      path: `/api/hangarshare/owner/bookings/${w.ownBooking.id}`,
      body: JSON.stringify({ booking_status: 'cancelled' }),
      ghost,
    },
  ];
}

const req = (e: Endpoint, name: string, headers: Record<string, string>, extra: Partial<Attack>): Attack => ({
  name: `${e.label}: ${name}`,
  method: e.method,
  path: e.path,
  headers: { 'content-type': 'application/json', ...headers },
  body: e.body,
  ...extra,
});

/** Header shapes that carry no usable token. */
function headerShapes(valid: string): [string, Record<string, string>, Partial<Attack>][] {
  const anyCode = { status: 401, error: ['missing_token', 'invalid_token'] };
  return [
    ['no Authorization header at all', {}, { status: 401, error: 'missing_token' }],
    ['Basic credentials instead of a Bearer token', { authorization: 'Basic b3duZXI6ZGVtbzEyMzQ=' }, anyCode],
    ['"Bearer" with nothing after it', { authorization: 'Bearer' }, anyCode],
    ['two tokens in one header', { authorization: `Bearer ${valid} ${valid}` }, anyCode],
    ['another scheme carrying a valid token', { authorization: `Token ${valid}` }, anyCode],
    ['a 9 KB token', { authorization: `Bearer ${'a'.repeat(9 * 1024)}` }, { status: 401, error: 'invalid_token' }],
    ['a 100 KB Authorization header (Node refuses headers over 16 KB)', { authorization: `Bearer ${'a'.repeat(100 * 1024)}` }, { status: 431, bare: true }],
    ['latin-1 garbage bytes', { authorization: 'Bearer \u00e9\u00ff\u00fe\u0080' }, { status: 401, error: 'invalid_token' }],
    ['SQL in the token', { authorization: "Bearer ' OR 1=1 --" }, anyCode],
  ];
}

/** Every hostile token and header shape × every protected endpoint. */
export function authAttacks(w: World, tokens: HostileToken[], ghostToken: string): Attack[] {
  const out: Attack[] = [];
  for (const e of protectedEndpoints(w)) {
    for (const t of tokens) out.push(req(e, `token ${t.name}`, { authorization: `Bearer ${t.token}` }, { status: 401, error: t.error }));
    for (const [name, headers, expect] of headerShapes(w.owner1.token)) out.push(req(e, name, headers, expect));
    out.push(req(e, 'valid signature, but the user does not exist', { authorization: `Bearer ${ghostToken}` }, e.ghost));
    if (w.deletedUserToken) {
      out.push(req(e, 'valid token of a soft-deleted user', { authorization: `Bearer ${w.deletedUserToken}` }, e.ghost));
    }
    // The contract: never a token in the URL (it ends up in logs and history).
    const sep = e.path.includes('?') ? '&' : '?';
    out.push({
      ...req(e, 'valid token in the query string (?token=)', {}, { status: 401, error: 'missing_token' }),
      path: `${e.path}${sep}token=${w.owner1.token}`,
    });
    out.push({
      ...req(e, 'valid token in ?access_token=', {}, { status: 401, error: 'missing_token' }),
      path: `${e.path}${sep}access_token=${w.owner1.token}`,
    });
    out.push(req(e, 'forged token in the cookie', { cookie: `token=${tokens[0].token}` }, { status: 401 }));
    out.push(req(e, 'cookie with a broken percent-encoding', { cookie: 'token=%E0%A4%A' }, { status: 401 }));
  }
  // Domain routes change data: a cookie rides along on cross-site requests, so only the header counts there.
  for (const e of protectedEndpoints(w).filter((x) => x.path.startsWith('/api/hangarshare/'))) {
    out.push(
      req(
        e,
        "CSRF: a valid token in the cookie only (the browser's ambient credential)",
        { cookie: `token=${w.owner1.token}` },
        { status: 401, error: 'missing_token' },
      ),
    );
  }
  return out;
}
