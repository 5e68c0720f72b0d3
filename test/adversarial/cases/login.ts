/**
 * `POST /api/auth/login` with hostile bodies: injection in the email, operator objects, NUL bytes,
 * prototype pollution, oversized and malformed bodies. Wrong credentials are one 401 whatever the
 * reason; malformed input is a 400 and never reaches the database.
 */
import { chunked, type Attack } from '../http';

const PATH = '/api/auth/login';
const bad = { status: 401, error: 'invalid_credentials' };
const invalid = { status: 400, error: 'invalid_request' };

export function loginAttacks(): Attack[] {
  const post = (name: string, body: Attack['body'], expect: Partial<Attack>, contentType = 'application/json'): Attack => ({
    name: `login: ${name}`,
    method: 'POST',
    path: PATH,
    headers: { 'content-type': contentType },
    body,
    ...expect,
  });
  const creds = (name: string, body: unknown, expect: Partial<Attack>) => post(name, JSON.stringify(body), expect);
  return [
    creds('SQL tautology as the email', { email: "' OR '1'='1' --", password: 'x' }, bad),
    creds('SQL tautology as the password', { email: 'owner@hangarshare.demo', password: "' OR '1'='1" }, bad),
    creds('UNION in the email', { email: "x' UNION SELECT password_hash FROM users --", password: 'x' }, bad),
    creds('LIKE wildcard as the email', { email: '%', password: 'demo1234' }, bad),
    creds('the email upper-cased with a wrong password', { email: 'OWNER@HANGARSHARE.DEMO', password: 'wrong' }, bad),
    creds('unicode look-alike of a demo email', { email: 'owner@hangarshare.dеmo', password: 'demo1234' }, bad),
    creds('NUL byte in the email (PostgreSQL text cannot hold it)', { email: 'owner@hangarshare.demo\u0000', password: 'demo1234' }, invalid),
    creds('NUL byte in the identifier', { identifier: '\u0000', password: 'x' }, invalid),
    creds('NoSQL operator as the email', { email: { $ne: null }, password: 'x' }, invalid),
    creds('NoSQL operator as the password', { email: 'owner@hangarshare.demo', password: { $ne: null } }, invalid),
    creds('an array of emails', { email: ['owner@hangarshare.demo', 'admin@hangarshare.demo'], password: 'demo1234' }, invalid),
    creds('password as a number', { email: 'owner@hangarshare.demo', password: 1234 }, invalid),
    creds('empty password', { email: 'owner@hangarshare.demo', password: '' }, invalid),
    creds('no email nor identifier', { password: 'demo1234' }, invalid),
    creds('a 300-character email', { email: `${'a'.repeat(290)}@x.demo`, password: 'x' }, invalid),
    creds('a 201-character password (bcrypt work amplification)', { email: 'owner@hangarshare.demo', password: 'p'.repeat(201) }, invalid),
    post('prototype pollution: role ADMIN under __proto__', '{"email":"nobody@x.demo","password":"x","__proto__":{"role":"ADMIN","id":1}}', bad),
    post('malformed JSON', '{"email":', { status: 400, error: 'invalid_json' }),
    post('an empty body', '', { status: 400, error: 'invalid_json' }),
    post('JSON null', 'null', invalid),
    post('a JSON array of credentials', '[{"email":"owner@hangarshare.demo","password":"demo1234"}]', invalid),
    post(
      'form-encoded credentials',
      'email=owner%40hangarshare.demo&password=demo1234',
      { status: 415, error: 'unsupported_media_type' },
      'application/x-www-form-urlencoded',
    ),
    post('a 20 KB body', JSON.stringify({ email: 'a@x.demo', password: 'x', pad: 'x'.repeat(20_000) }), { status: 413, error: 'payload_too_large' }),
    post('a 10 MB body streamed chunked', chunked(10 * 1024 * 1024), { status: 413, error: 'payload_too_large' }),
  ];
}
