/**
 * `GET /api/ws` with a valid token and hostile `ownerId` / `lastEventId` / `Last-Event-ID`:
 * negative, huge, non-numeric, SQL, unicode, NUL, repeated. Every one is refused before any byte
 * of stream, with the contract's code.
 */
import type { Attack } from '../http';
import type { World } from '../setup-data';

/** Values that are not a positive int4 written in plain digits (URL-encoded where needed). */
const NOT_AN_ID = [
  '-1',
  '0',
  '-0',
  '01',
  'abc',
  '1.5',
  '1e3',
  '0x1F',
  '%2B1',
  '99999999999',
  '2147483648',
  '99999999999999999999999',
  encodeURIComponent('1 OR 1=1'),
  encodeURIComponent("1'; DROP TABLE hangar_owners; --"),
  encodeURIComponent('1 UNION SELECT password_hash FROM users'),
  encodeURIComponent('١٢'),
  encodeURIComponent('１'),
  encodeURIComponent('1\u0000'),
  '%00',
  encodeURIComponent(' 1'),
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  encodeURIComponent('{"$gt":0}'),
  'x'.repeat(4000),
];

/** Values that are not a non-negative integer of at most 15 digits. */
const NOT_A_POSITION = [
  '-1',
  '-0',
  'abc',
  '1.5',
  '1e3',
  '0x10',
  '%2B1',
  '9007199254740993',
  '99999999999999999999',
  encodeURIComponent('1 OR 1=1'),
  encodeURIComponent('0; DELETE FROM realtime_events'),
  encodeURIComponent('١'),
  '%00',
  encodeURIComponent('5\u0000'),
  'NaN',
  'Infinity',
  'null',
  '[]',
  'x'.repeat(4000),
];

/** Header-safe values for `Last-Event-ID` (no NUL or non-Latin-1 in a header). */
const NOT_A_POSITION_HEADER = [
  '-1',
  'abc',
  '1.5',
  '1e3',
  '0x10',
  '9007199254740993',
  '99999999999999999999',
  '1 OR 1=1',
  "0'; DELETE FROM realtime_events; --",
  'NaN',
  '\u00e9\u00e9',
  '7 7',
];

export function streamAttacks(w: World): Attack[] {
  const auth = { authorization: `Bearer ${w.owner1.token}`, accept: 'text/event-stream' };
  const get = (name: string, query: string, expect: Partial<Attack>, headers: Record<string, string> = {}): Attack => ({
    name,
    path: `/api/ws?${query}`,
    headers: { ...auth, ...headers },
    ...expect,
  });
  const badOwner = { status: 400, error: 'invalid_owner_id' };
  const badPosition = { status: 400, error: 'invalid_last_event_id' };
  const own = w.owner1.ownerId!;
  return [
    ...NOT_AN_ID.map((v) => get(`ownerId=${v.slice(0, 40)}`, `ownerId=${v}`, badOwner)),
    ...NOT_A_POSITION.map((v) => get(`lastEventId=${v.slice(0, 40)}`, `ownerId=${own}&lastEventId=${v}`, badPosition)),
    ...NOT_A_POSITION_HEADER.map((v) => get(`Last-Event-ID header ${v}`, `ownerId=${own}`, badPosition, { 'last-event-id': v })),
    get("another owner's id", `ownerId=${w.owner2.ownerId}`, { status: 403, error: 'forbidden_owner' }),
    get("another owner's id first, own second (repeated param)", `ownerId=${w.owner2.ownerId}&ownerId=${own}`, { status: 403, error: 'forbidden_owner' }),
    get('an owner that does not exist', 'ownerId=2147483647', { status: 404, error: 'unknown_owner' }),
    get('a bad position first, a good one second (repeated param)', `ownerId=${own}&lastEventId=-5&lastEventId=5`, badPosition),
    get('a good query position but a bad Last-Event-ID header (the header wins)', `ownerId=${own}&lastEventId=1`, badPosition, { 'last-event-id': '-1' }),
    {
      name: 'a user with no owner profile and no ownerId',
      path: '/api/ws',
      headers: { authorization: `Bearer ${w.renter.token}`, accept: 'text/event-stream' },
      status: 400,
      error: 'owner_required',
    },
    {
      name: "a renter asking for an owner's stream",
      path: `/api/ws?ownerId=${own}`,
      headers: { authorization: `Bearer ${w.renter.token}` },
      status: 403,
      error: 'forbidden_owner',
    },
    {
      name: 'HEAD /api/ws (would open a stream nobody reads)',
      method: 'HEAD',
      path: `/api/ws?ownerId=${own}`,
      headers: auth,
      status: 405,
      bare: true, // a HEAD answer has no body to carry the JSON
    },
  ];
}
