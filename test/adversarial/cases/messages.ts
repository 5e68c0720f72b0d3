/**
 * `POST /api/ws` bodies: malformed JSON, non-objects, deep nesting, oversized, wrong content
 * types, unknown or disguised types, prototype pollution, hostile `ownerId`s and `connectionId`s,
 * and `auth` messages carrying hostile tokens. The contract: 400 malformed/unknown, 413 over
 * 16 KiB, 415 not JSON, 403 another owner's connection, 404 a connection nobody holds.
 */
import { chunked, json, type Attack } from '../http';
import type { World } from '../setup-data';
import type { HostileToken } from '../tokens';

export interface MessageTargets {
  /** owner2's live stream, opened for these attacks. */
  foreignConnectionId: string;
  /** Valid tokens of distinct users that own nothing, to spread the per-user POST budget. */
  phantoms: string[];
}

const deep = (n: number, open: string, close: string, inner = '1') => open.repeat(n) + inner + close.repeat(n);

export function messageAttacks(w: World, t: MessageTargets, hostile: HostileToken[]): Attack[] {
  let i = 0;
  // Body-only attacks are refused before anyone's data is read; any valid user will do.
  const anyone = () => t.phantoms[i++ % t.phantoms.length];
  const post = (
    name: string,
    body: Attack['body'],
    expect: Partial<Attack>,
    opts: { token?: string; headers?: Record<string, string>; query?: string } = {},
  ): Attack => ({
    name,
    method: 'POST',
    path: `/api/ws${opts.query ?? ''}`,
    headers: { ...json(opts.token ?? anyone()), ...opts.headers },
    body,
    ...expect,
  });
  const msg = (name: string, body: unknown, expect: Partial<Attack>, opts?: Parameters<typeof post>[3]) => post(name, JSON.stringify(body), expect, opts);
  const badJson = { status: 400, error: 'invalid_json' };
  const badRequest = { status: 400, error: 'invalid_request' };
  const unknownType = { status: 400, error: 'unknown_type' };
  const tooLarge = { status: 413, error: 'payload_too_large' };
  const notJson = { status: 415, error: 'unsupported_media_type' };
  const o1 = w.owner1.token;
  const foreign = t.foreignConnectionId;
  const instance = foreign.split('~')[0];
  const otherOwner = String(w.owner2.ownerId);

  return [
    // Malformed JSON
    ...[
      '{',
      '{"type":',
      '{"type":"ping",}',
      "{'type':'ping'}",
      'nul',
      'undefined',
      '',
      ' ',
      '\u0000',
      '{"type":"ping"}garbage',
      '{"type":"ping"}{"type":"ping"}',
      'NaN',
      '0x1',
      '{"type":"ping"',
      '\ud800',
    ].map((b) => post(`malformed JSON ${JSON.stringify(b)}`, b, badJson)),
    // Valid JSON, not an object
    ...['[]', '1', '"ping"', 'null', 'true', '[{"type":"ping"}]', '1e400'].map((b) => post(`JSON that is not an object: ${b}`, b, badRequest)),
    // Nesting
    post('type nested 1 000 arrays deep', `{"type":${deep(1000, '[', ']')}}`, badRequest),
    post('an array nested 8 000 deep (fits in 16 KiB)', deep(8000, '[', ']', ''), badRequest),
    post('objects nested 1 000 deep, no type', deep(1000, '{"a":', '}'), badRequest),
    post('an unknown type carrying 1 000-deep nesting', `{"type":"subscribe","x":${deep(1000, '[', ']')}}`, unknownType),
    // Size
    post('17 KiB body (just over the cap)', JSON.stringify({ type: 'ping', pad: 'x'.repeat(17 * 1024) }), tooLarge),
    post('100 KB body', JSON.stringify({ type: 'ping', pad: 'x'.repeat(100_000) }), tooLarge),
    post('10 MB body with Content-Length', JSON.stringify({ type: 'ping', pad: 'x'.repeat(10 * 1024 * 1024) }), tooLarge),
    post('10 MB body streamed chunked (no Content-Length)', chunked(10 * 1024 * 1024), tooLarge),
    // Content type
    ...[
      ['application/x-www-form-urlencoded', 'type=ping'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="type"\r\n\r\nping\r\n--x--'],
      ['text/html', '<script>alert(1)</script>'],
      ['application/xml', '<type>ping</type>'],
      ['application/jsonp', '{"type":"ping"}'],
      ['image/png', '{"type":"ping"}'],
    ].map(([ct, b]) => post(`wrong content type ${ct}`, b, notJson, { headers: { 'content-type': ct } })),
    // Types
    // A NUL anywhere in the body is refused first, at the boundary, as invalid_request.
    msg('unknown type "ping\\u0000"', { type: 'ping\u0000' }, badRequest),
    ...['subscribe', 'PING', 'Ping', ' ping', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'auth ', '', 'request_metrics; DROP TABLE users'].map(
      (type) => msg(`unknown type ${JSON.stringify(type)}`, { type }, unknownType),
    ),
    msg('type longer than 64 characters', { type: 'p'.repeat(65) }, badRequest),
    ...[123, null, true, [], {}, ['ping']].map((type) => msg(`type of the wrong kind: ${JSON.stringify(type)}`, { type }, badRequest)),
    msg('no type at all', { ownerId: '1' }, badRequest),
    post('prototype pollution: type only under __proto__', '{"__proto__":{"type":"ping"}}', badRequest),
    post(
      'prototype pollution: constructor.prototype.role = ADMIN, asking for another owner',
      `{"type":"request_metrics","ownerId":"${otherOwner}","constructor":{"prototype":{"role":"ADMIN"}},"__proto__":{"role":"ADMIN"}}`,
      { status: 403, error: 'forbidden_owner' },
      { token: o1 },
    ),
    // Owners
    msg("request_metrics for another owner's id", { type: 'request_metrics', ownerId: otherOwner }, { status: 403, error: 'forbidden_owner' }, { token: o1 }),
    msg("ping for another owner's id", { type: 'ping', ownerId: otherOwner }, { status: 403, error: 'forbidden_owner' }, { token: o1 }),
    msg("another owner's id in the query", { type: 'ping' }, { status: 403, error: 'forbidden_owner' }, { token: o1, query: `?ownerId=${otherOwner}` }),
    ...['abc', '-1', '0', '1 OR 1=1', '١', '99999999999'].map((ownerId) =>
      msg(`request_metrics ownerId ${ownerId}`, { type: 'request_metrics', ownerId }, { status: 400, error: 'invalid_owner_id' }, { token: o1 }),
    ),
    ...[1.5, 1e20, -1e308, true, [1], { $gt: 0 }, 'x'.repeat(21)].map((ownerId) =>
      msg(
        `request_metrics ownerId of the wrong kind ${JSON.stringify(ownerId).slice(0, 30)}`,
        { type: 'request_metrics', ownerId },
        { status: 400 },
        { token: o1 },
      ),
    ),
    msg(
      'request_metrics for an owner that does not exist',
      { type: 'request_metrics', ownerId: '2147483647' },
      { status: 404, error: 'unknown_owner' },
      { token: o1 },
    ),
    // Connections
    msg("ping on another owner's connectionId", { type: 'ping', connectionId: foreign }, { status: 403 }, { token: o1 }),
    msg("request_metrics on another owner's connectionId", { type: 'request_metrics', connectionId: foreign }, { status: 403 }, { token: o1 }),
    msg(
      "auth refreshing another owner's connection with one's own valid token",
      { type: 'auth', token: o1, connectionId: foreign },
      { status: 403 },
      { token: o1 },
    ),
    msg(
      "another owner's connectionId, claiming one's own ownerId",
      { type: 'ping', connectionId: foreign, ownerId: String(w.owner1.ownerId) },
      { status: 403, error: 'forbidden_connection' },
      { token: o1 },
    ),
    msg('a connectionId nobody holds', { type: 'ping', connectionId: 'nope' }, { status: 404, error: 'unknown_connection' }, { token: o1 }),
    msg(
      'a forged connectionId on this instance',
      { type: 'ping', connectionId: `${instance}~00000000-0000-0000-0000-000000000000` },
      { status: 404, error: 'unknown_connection' },
      { token: o1 },
    ),
    msg(
      'a connectionId naming an instance that does not exist',
      { type: 'ping', connectionId: 'ghost~00000000-0000-0000-0000-000000000000' },
      { status: 404, error: 'unknown_connection' },
      { token: o1 },
    ),
    msg(
      'a connectionId with SQL in it',
      { type: 'ping', connectionId: "x'; DROP TABLE realtime_events; --" },
      { status: 404, error: 'unknown_connection' },
      { token: o1 },
    ),
    ...['x'.repeat(65), '', 123, null, ['x'], { $ne: null }].map((connectionId) =>
      msg(`connectionId of the wrong shape ${JSON.stringify(connectionId).slice(0, 20)}`, { type: 'ping', connectionId }, badRequest),
    ),
    // auth messages
    msg('auth without a token', { type: 'auth', ownerId: String(w.owner1.ownerId) }, badRequest),
    msg('auth with an empty token', { type: 'auth', token: '' }, badRequest),
    msg('auth with a 9 KB token', { type: 'auth', token: 'a'.repeat(9 * 1024) }, badRequest),
    msg('auth with a token that is a number', { type: 'auth', token: 12345 }, badRequest),
    msg(
      "auth as a renter for an owner's stream",
      { type: 'auth', token: w.renter.token, ownerId: String(w.owner1.ownerId) },
      { status: 403, error: 'forbidden_owner' },
    ),
    ...hostile.map((h) => msg(`auth carrying token ${h.name}`, { type: 'auth', token: h.token, connectionId: foreign }, { status: 401, error: h.error })),
  ];
}
