/**
 * Every domain route's body, fuzzed from its schema. Each field is described once (kind, required,
 * nullable, limits) and variants are generated from that: missing, null, wrong type, negative,
 * huge, NaN-like strings, SQL-looking strings, unicode, arrays, objects, oversized. A variant the
 * schema must refuse expects 400; a variant that is valid expects the route's *base refusal*,
 * because every body is aimed where a valid request is refused anyway (an inactive listing,
 * another owner's listing or booking), so no variant can change a row.
 *
 * Ids in the path get the same treatment (400 `invalid_id`).
 */
import { BOOKING_STATUSES, LISTING_STATUSES } from '../../../lib/db/schema';
import { chunked, json, type Attack } from '../http';
import type { World } from '../setup-data';

type Kind = 'id' | 'money' | 'instant' | 'day' | 'int' | 'bool' | 'enum' | 'text';

interface Field {
  name: string;
  kind: Kind;
  required?: boolean;
  nullable?: boolean;
  /** money: amount must be > 0. */
  positive?: boolean;
  /** text: longest accepted. */
  max?: number;
  /** enum: the allowed values. */
  values?: readonly string[];
}

/** A variant: a JSON fragment (raw, so `1e400` and `-0` survive) and whether the schema accepts it. */
interface Variant {
  label: string;
  raw: string | undefined;
  valid: boolean;
}

const v = (label: string, value: unknown, valid = false): Variant => ({ label, raw: JSON.stringify(value), valid });
const raw = (label: string, fragment: string, valid = false): Variant => ({ label, raw: fragment, valid });

/** Strings that are never a number, a date or an enum value; for a free-text field they are valid. */
const HOSTILE_STRINGS: [string, string][] = [
  ['SQL injection', '1; DROP TABLE hangar_bookings; --'],
  ['SQL tautology', "' OR '1'='1"],
  ['SQL union', '0 UNION SELECT password_hash FROM users'],
  ['NaN as text', 'NaN'],
  ['Infinity as text', 'Infinity'],
  ['-Infinity as text', '-Infinity'],
  ['Arabic-Indic digits', '١٢٣'],
  ['fullwidth digits', '１２３'],
  ['an emoji', '💥'],
  ['a script tag', '<script>alert(1)</script>'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text of a template-injection probe
  ['a template injection', '${7*7}{{7*7}}'],
  ['right-to-left override', '\u202e1'],
];

/** Variants every field gets, whatever its kind. */
function common(f: Field): Variant[] {
  const text = f.kind === 'text';
  return [
    ...(f.required ? [{ label: 'missing', raw: undefined, valid: false }] : []),
    v('null', null, !!f.nullable),
    v('an empty object', {}),
    v('a NoSQL operator object', { $gt: 0 }),
    v('an array of one value', [1]),
    v('a nested array', [[['x']]]),
    ...HOSTILE_STRINGS.map(([label, s]) => v(label, s, text)),
    v('a 6 000-character string', 'x'.repeat(6000), text && (f.max ?? 0) >= 6000),
    v('a 17 KiB string (the body goes over the cap)', 'x'.repeat(17 * 1024)),
  ];
}

/** Variants for the field's own kind. */
function specific(f: Field): Variant[] {
  switch (f.kind) {
    case 'id':
      return [
        v('zero', 0),
        v('negative', -1),
        raw('negative zero', '-0'),
        v('fractional', 1.5),
        v('beyond int4', 2 ** 31),
        raw('1e20', '1e20'),
        raw('1e400 (parses to Infinity)', '1e400'),
        v('zero as text', '0'),
        v('negative as text', '-1'),
        v('leading zero', '01'),
        v('decimal text', '1.0'),
        v('padded text', ' 1'),
        v('hex text', '0x1'),
        v('exponent text', '1e3'),
        v('eleven digits', '99999999999'),
        v('true', true),
        v('NUL inside', '1\u0000'),
      ];
    case 'money':
      return [
        v('negative', -1),
        v('negative cent', -0.01),
        v('three decimals', 1.234),
        v('above the maximum', 1e12),
        raw('1e400 (Infinity)', '1e400'),
        raw('-1e400 (-Infinity)', '-1e400'),
        v('negative text', '-5'),
        v('comma decimal', '1,50'),
        v('two points', '1.5.5'),
        v('exponent text', '1e3'),
        v('currency symbol', 'R$10'),
        v('true', true),
        v('NUL inside', '10\u0000'),
        v('hex text', '0x10'),
        ...(f.positive ? [v('zero', 0), v('zero as text', '0.00'), raw('negative zero', '-0')] : [v('zero', 0, true)]),
        v('decimal text', '120.50', true),
      ];
    case 'instant':
      return [
        v('empty', ''),
        v('a word', 'yesterday'),
        v('month 13', '2026-13-01'),
        v('February 30', '2027-02-30'),
        v('hour 25', '2027-12-01T25:00:00Z'),
        v('no offset (ambiguous zone)', '2027-12-01T10:00:00'),
        v('year 0', '0000-01-01'),
        v('six-digit year', '+275760-09-13T00:00:00.000Z'),
        v('year 9999 (outside the stay window)', '9999-12-31'),
        v('epoch milliseconds', 1_800_000_000_000),
        v('true', true),
        v('date with SQL after it', '2027-12-01; DROP TABLE hangar_bookings'),
        v('NUL inside', '2027-12-01\u0000'),
      ];
    case 'day':
      return [
        v('February 30', '2027-02-30'),
        v('month 13', '2027-13-01'),
        v('two-digit year', '27-01-01'),
        v('unpadded', '2027-1-1'),
        v('a date-time without offset', '2027-01-01T00:00:00'),
        v('a number', 20270101),
        v('true', true),
        v('NUL inside', '2027-01-01\u0000'),
        // As the portal's edit page sends them: a date-time as loaded, or "" to clear.
        v('a date-time with offset', '2027-01-01T00:00:00Z', true),
        v('empty (clears)', '', true),
        v('a real date', '2027-01-01', true),
      ];
    case 'int':
      return [
        v('zero', 0),
        v('negative', -1),
        v('above the maximum', 1001),
        v('fractional', 1.5),
        v('as text', '5'),
        v('beyond int4', 2 ** 31),
        raw('1e400 (Infinity)', '1e400'),
        v('true', true),
        v('a valid count', 5, true),
      ];
    case 'bool':
      return [v('"true" as text', 'true'), v('one', 1), v('zero', 0), v('"yes"', 'yes'), v('false', false, true)];
    case 'enum':
      return [
        ...f.values!.map((x) => v(`"${x}"`, x, true)),
        v('upper case', f.values![0].toUpperCase()),
        v('padded', ` ${f.values![0]} `),
        v('empty', ''),
        v('not a status', 'occupied'),
        v('NUL after a valid value', `${f.values![0]}\u0000`),
        v('a number', 5),
        v('true', true),
      ];
    case 'text':
      return [
        v('a number', 123),
        v('true', true),
        v(`one character over ${f.max}`, 'x'.repeat(f.max! + 1)),
        v('unicode', 'Hangar São José ✈️', true),
        v('exactly at the limit', 'y'.repeat(f.max!), true),
      ];
  }
}

/** Fields of `POST /api/hangarshare/booking/confirm` (lib/domain/booking-confirm.ts). */
const CONFIRM: Field[] = [
  { name: 'hangarId', kind: 'id', required: true },
  { name: 'userId', kind: 'id', nullable: true },
  { name: 'checkIn', kind: 'instant', required: true },
  { name: 'checkOut', kind: 'instant', required: true },
  { name: 'totalPrice', kind: 'money', required: true, positive: true },
  { name: 'subtotal', kind: 'money', nullable: true },
  { name: 'fees', kind: 'money', nullable: true },
  { name: 'promoCode', kind: 'text', nullable: true, max: 50 },
];

/** Fields of `PATCH /api/hangarshare/listings/[id]` (lib/domain/listing-fields.ts), camelCase as the edit page sends them and snake_case. */
const LISTING: Field[] = [
  { name: 'status', kind: 'enum', values: LISTING_STATUSES },
  { name: 'total_spaces', kind: 'int' },
  { name: 'totalSpaces', kind: 'int' },
  ...['hourly_rate', 'daily_rate', 'weekly_rate', 'monthly_rate', 'dailyRate', 'hangarSizeSqm'].map((name): Field => ({ name, kind: 'money', nullable: true })),
  { name: 'is_available', kind: 'bool', nullable: true },
  { name: 'acceptsOnlinePayment', kind: 'bool', nullable: true },
  { name: 'cancellationPolicy', kind: 'enum', values: ['flexible', 'moderate', 'strict'], nullable: true },
  { name: 'available_from', kind: 'day', nullable: true },
  { name: 'availableUntil', kind: 'day', nullable: true },
  { name: 'description', kind: 'text', nullable: true, max: 5000 },
  { name: 'specialNotes', kind: 'text', nullable: true, max: 5000 },
];

/** Fields of `PATCH /api/hangarshare/owner/bookings/[bookingId]` (lib/domain/booking-status.ts): the portal's four values. */
const REQUESTABLE = BOOKING_STATUSES.filter((s) => s !== 'rejected');
const BOOKING_STATUS: Field[] = [
  { name: 'booking_status', kind: 'enum', values: REQUESTABLE },
  { name: 'status', kind: 'enum', values: REQUESTABLE },
];

interface Route {
  label: string;
  method: string;
  path: string;
  token: string;
  fields: Field[];
  /** Fields every variant body starts from (the field under test replaces its own). */
  base: Record<string, unknown>;
  /** What a schema-valid body gets here. */
  refusal: { status: number; error: string };
}

/** `{ ...base, [field]: variant }` as JSON text, keeping the variant's raw fragment. */
function bodyWith(base: Record<string, unknown>, field: string, variant: Variant): string {
  const parts = Object.entries(base)
    .filter(([k]) => k !== field)
    .map(([k, val]) => `${JSON.stringify(k)}:${JSON.stringify(val)}`);
  if (variant.raw !== undefined) parts.push(`${JSON.stringify(field)}:${variant.raw}`);
  return `{${parts.join(',')}}`;
}

function fieldAttacks(r: Route): Attack[] {
  const out: Attack[] = [];
  for (const f of r.fields) {
    for (const variant of [...common(f), ...specific(f)]) {
      const body = bodyWith(r.base, f.name, variant);
      const tooBig = Buffer.byteLength(body) > 16 * 1024;
      out.push({
        name: `${r.label} ${f.name}: ${variant.label}`,
        method: r.method,
        path: r.path,
        headers: json(r.token),
        body,
        ...(tooBig ? { status: 413, error: 'payload_too_large' } : variant.valid ? r.refusal : { status: 400 }),
      });
    }
  }
  return out;
}

/** Whole-body attacks: not JSON, not an object, nested, oversized, wrong type, pollution, mass assignment. */
function bodyAttacks(r: Route): Attack[] {
  const a = (name: string, body: Attack['body'], expect: Partial<Attack>, headers = json(r.token)): Attack => ({
    name: `${r.label} body: ${name}`,
    method: r.method,
    path: r.path,
    headers,
    body,
    ...expect,
  });
  const baseJson = JSON.stringify(r.base).slice(1, -1);
  // An unknown key is a 400 naming it (a 200 never drops part of a body), so pollution and mass
  // assignment are refused before the route's own refusal.
  const unknown = { status: 400, error: 'unknown_field' };
  const notAnObject = { status: 400, error: 'invalid_field' };
  return [
    a('empty', '', { status: 400, error: 'invalid_json' }),
    a('an empty object', '{}', { status: 400, error: 'missing_fields' }),
    a('malformed', '{"a":', { status: 400, error: 'invalid_json' }),
    a('an array', `[${JSON.stringify(r.base)}]`, notAnObject),
    a('null', 'null', notAnObject),
    a('a string', '"x"', notAnObject),
    a('nested 1 000 deep', `{${baseJson},"x":${'['.repeat(1000)}${']'.repeat(1000)},"y":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`, unknown),
    a('nested 8 000 deep', `${'['.repeat(8000)}${']'.repeat(8000)}`, notAnObject),
    a('10 MB', `{${baseJson},"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`, { status: 413, error: 'payload_too_large' }),
    a('10 MB chunked', chunked(10 * 1024 * 1024), { status: 413, error: 'payload_too_large' }),
    a('form-encoded', 'a=1', { status: 415, error: 'unsupported_media_type' }, { ...json(r.token), 'content-type': 'application/x-www-form-urlencoded' }),
    a('XML', '<a/>', { status: 415, error: 'unsupported_media_type' }, { ...json(r.token), 'content-type': 'application/xml' }),
    a('prototype pollution via __proto__', `{${baseJson},"__proto__":{"admin":true,"role":"ADMIN"}}`, unknown),
    a('prototype pollution via constructor.prototype', `{${baseJson},"constructor":{"prototype":{"admin":true}}}`, unknown),
    a(
      'mass assignment: owner_id, ownerId, id, role, created_at',
      JSON.stringify({ ...r.base, owner_id: 1, ownerId: 1, id: 1, role: 'ADMIN', isAdmin: true, created_at: '2000-01-01' }),
      unknown,
    ),
    a(
      'duplicate keys, the last one invalid',
      `{${baseJson},${JSON.stringify(r.fields[0].name)}:${JSON.stringify(r.base[r.fields[0].name] ?? 'x')},${JSON.stringify(r.fields[0].name)}:-1}`,
      { status: 400 },
    ),
  ];
}

/** Hostile ids in a route's path segment. */
function pathAttacks(label: string, prefix: string, token: string, patchBody: string, notFound: string): Attack[] {
  const ids = [
    '0',
    '-1',
    'abc',
    '1.5',
    '01',
    '2147483648',
    '99999999999999999999',
    '1e3',
    '0x1',
    encodeURIComponent('1 OR 1=1'),
    '%00',
    encodeURIComponent('١'),
    encodeURIComponent(' 1'),
    'null',
    'undefined',
    encodeURIComponent("1'--"),
  ];
  const out: Attack[] = [];
  for (const id of ids) {
    out.push({ name: `GET ${label} id ${id}`, path: `${prefix}/${id}`, headers: json(token), status: 400, error: 'invalid_id' });
    out.push({
      name: `PATCH ${label} id ${id}`,
      method: 'PATCH',
      path: `${prefix}/${id}`,
      headers: json(token),
      body: patchBody,
      status: 400,
      error: 'invalid_id',
    });
  }
  out.push({ name: `GET ${label} that does not exist`, path: `${prefix}/2147483647`, headers: json(token), status: 404, error: notFound });
  out.push({
    name: `PATCH ${label} that does not exist`,
    method: 'PATCH',
    path: `${prefix}/2147483647`,
    headers: json(token),
    body: patchBody,
    status: 404,
    error: notFound,
  });
  return out;
}

const DAY = 86_400_000;

export function domainAttacks(w: World): Attack[] {
  const checkIn = new Date(Math.ceil(Date.now() / DAY) * DAY + 600 * DAY);
  const routes: Route[] = [
    {
      label: 'POST booking/confirm',
      method: 'POST',
      path: '/api/hangarshare/booking/confirm',
      token: w.renter.token,
      fields: CONFIRM,
      base: { hangarId: w.inactiveListing.id, checkIn: checkIn.toISOString(), checkOut: new Date(checkIn.getTime() + DAY).toISOString(), totalPrice: 100 },
      refusal: { status: 404, error: 'listing_not_active' },
    },
    {
      label: "PATCH another owner's listing",
      method: 'PATCH',
      path: `/api/hangarshare/listings/${w.foreignListing.id}`,
      token: w.owner1.token,
      fields: LISTING,
      base: {},
      refusal: { status: 403, error: 'forbidden' },
    },
    {
      label: "PATCH another owner's booking",
      method: 'PATCH',
      path: `/api/hangarshare/owner/bookings/${w.foreignBooking.id}`,
      token: w.owner1.token,
      fields: BOOKING_STATUS,
      base: {},
      refusal: { status: 403, error: 'forbidden' },
    },
  ];
  const withBase = (r: Route, base: Record<string, unknown>) => ({ ...r, base });
  return [
    ...routes.flatMap(fieldAttacks),
    ...bodyAttacks(routes[0]),
    ...bodyAttacks(withBase(routes[1], { description: 'x' })),
    ...bodyAttacks(withBase(routes[2], { booking_status: 'cancelled' })),
    ...pathAttacks('listing', '/api/hangarshare/listings', w.owner1.token, '{"description":"x"}', 'listing_not_found'),
    ...pathAttacks('booking', '/api/hangarshare/owner/bookings', w.owner1.token, '{"booking_status":"cancelled"}', 'booking_not_found'),
    ...rules(w, routes[0].base),
  ];
}

/** Valid shapes the domain rules refuse: the dates, the renter, the listing, the transition. */
function rules(w: World, base: Record<string, unknown>): Attack[] {
  const at = (days: number) => new Date(Math.ceil(Date.now() / DAY) * DAY + days * DAY).toISOString();
  const confirm = (name: string, body: Record<string, unknown>, expect: Partial<Attack>): Attack => ({
    name: `POST booking/confirm: ${name}`,
    method: 'POST',
    path: '/api/hangarshare/booking/confirm',
    headers: json(w.renter.token),
    body: JSON.stringify({ ...base, ...body }),
    ...expect,
  });
  const dates = { status: 400, error: 'invalid_dates' };
  return [
    confirm('check-out before check-in', { hangarId: w.ownListing.id, checkIn: at(10), checkOut: at(9) }, dates),
    confirm('a zero-length stay', { hangarId: w.ownListing.id, checkIn: at(10), checkOut: at(10) }, dates),
    confirm('a stay of 400 nights', { hangarId: w.ownListing.id, checkIn: at(10), checkOut: at(410) }, dates),
    confirm('a stay entirely in the past', { hangarId: w.ownListing.id, checkIn: at(-10), checkOut: at(-9) }, dates),
    confirm('check-in three years ahead', { hangarId: w.ownListing.id, checkIn: at(3 * 365), checkOut: at(3 * 365 + 1) }, dates),
    confirm("booking in another user's name (not an admin)", { hangarId: w.ownListing.id, userId: w.owner2.userId }, { status: 403, error: 'forbidden_user' }),
    confirm('a listing that does not exist', { hangarId: 2147483647 }, { status: 404, error: 'listing_not_found' }),
    {
      name: 'PATCH booking: an owner reopening a completed-or-confirmed booking as pending',
      method: 'PATCH',
      path: `/api/hangarshare/owner/bookings/${w.ownBooking.id}`,
      headers: json(w.owner1.token),
      body: JSON.stringify({ booking_status: 'pending' }),
      status: 400,
      error: 'invalid_transition',
    },
    confirm('a total that does not match the listing rates', { hangarId: w.ownListing.id, totalPrice: 0.01 }, { status: 400, error: 'price_mismatch' }),
    confirm('a promo code that does not exist', { hangarId: w.ownListing.id, promoCode: 'FREE100' }, { status: 400, error: 'invalid_promo_code' }),
    confirm('an unknown key slipped into the body', { hangarId: w.ownListing.id, status: 'completed' }, { status: 400, error: 'unknown_field' }),
    {
      name: "POST booking/cancel: another renter's booking",
      method: 'POST',
      path: '/api/hangarshare/booking/cancel',
      headers: json(w.owner2.token),
      body: JSON.stringify({ bookingId: w.ownBooking.id, reason: 'x' }),
      status: 403,
      error: 'forbidden',
    },
    {
      name: 'POST booking/cancel: no reason',
      method: 'POST',
      path: '/api/hangarshare/booking/cancel',
      headers: json(w.renter.token),
      body: JSON.stringify({ bookingId: w.ownBooking.id }),
      status: 400,
      error: 'missing_fields',
    },
    {
      name: "DELETE listing: another owner's listing",
      method: 'DELETE',
      path: `/api/hangarshare/listing/${w.foreignListing.id}`,
      headers: json(w.owner1.token),
      status: 403,
      error: 'forbidden',
    },
    {
      name: "DELETE listing: the owner's own listing while a booking of it has not ended",
      method: 'DELETE',
      path: `/api/hangarshare/listing/${w.ownListing.id}`,
      headers: json(w.owner1.token),
      status: 409,
      error: 'listing_has_bookings',
    },
    {
      name: 'PATCH booking: the renter cancelling through the owner route',
      method: 'PATCH',
      path: `/api/hangarshare/owner/bookings/${w.ownBooking.id}`,
      headers: json(w.renter.token),
      body: JSON.stringify({ booking_status: 'cancelled' }),
      status: 403,
      error: 'forbidden',
    },
    {
      name: 'PATCH listing: an owner moving their own listing into moderation (suspended)',
      method: 'PATCH',
      path: `/api/hangarshare/listings/${w.ownListing.id}`,
      headers: json(w.owner1.token),
      body: JSON.stringify({ status: 'suspended' }),
      status: 403,
      error: 'forbidden_status',
    },
    {
      name: 'PATCH listing: available_from after available_until',
      method: 'PATCH',
      path: `/api/hangarshare/listings/${w.ownListing.id}`,
      headers: json(w.owner1.token),
      body: JSON.stringify({ available_from: '2027-06-01', available_until: '2027-05-01' }),
      status: 400,
      error: 'invalid_dates',
    },
    {
      name: "GET booking: another owner's booking",
      path: `/api/hangarshare/owner/bookings/${w.foreignBooking.id}`,
      headers: json(w.owner1.token),
      status: 403,
      error: 'forbidden',
    },
    {
      name: "GET listing: another owner's inactive listing is hidden",
      path: `/api/hangarshare/listings/${w.inactiveListing.id}`,
      headers: json(w.owner2.token),
      status: 404,
      error: 'listing_not_found',
    },
  ];
}
