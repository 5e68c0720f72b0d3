/**
 * Hostile tokens, built from a legitimate user's claims: forged, expired, unsigned, signed with
 * another algorithm, missing claims, bad ids, tampered after signing. Each is named for the attack
 * and carries the 401 code the contract promises for it. The valid tokens they are cut from come
 * from the product's signer (test/support/tokens.ts); only the broken ones are signed here.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { mintToken } from '../support/tokens';

export interface HostileToken {
  name: string;
  token: string;
  /** The 401 code: `invalid_token` unless the token is merely expired. */
  error: 'invalid_token' | 'token_expired';
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A JWT assembled by hand: any header, any payload, an HMAC-SHA256 signature with `key` (or none). */
export function rawJwt(header: object, payload: object, key?: string | Buffer): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = key === undefined ? '' : createHmac('sha256', key).update(input).digest('base64url');
  return `${input}.${sig}`;
}

export interface Claims {
  id: number;
  email: string;
  role: string;
  name: string;
}

/** Every hostile variant of a token for `claims`, given the server's real secret. */
export async function hostileTokens(claims: Claims, secret: string): Promise<HostileToken[]> {
  const key = new TextEncoder().encode(secret);
  const other = new TextEncoder().encode('attacker-chosen-secret-attacker-chosen-secret');
  const fresh = { ...claims, iat: now(), exp: now() + 3600 };
  /** Signs any payload with any algorithm and key: the deliberately invalid variants. */
  const sign = (payload: object, alg = 'HS256', k = key) => new SignJWT({ ...payload }).setProtectedHeader({ alg, typ: 'JWT' }).sign(k);
  const legit = await mintToken(claims, { secret });
  const [h, p, s] = legit.split('.');
  const adminPayload = b64url(JSON.stringify({ ...fresh, role: 'ADMIN' }));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const t = (name: string, token: string, error: HostileToken['error'] = 'invalid_token'): HostileToken => ({ name, token, error });

  return [
    t('forged: signed with a secret the attacker chose', await sign(fresh, 'HS256', other)),
    t('forged admin: role ADMIN signed with a guessed secret', await sign({ ...fresh, role: 'ADMIN' }, 'HS256', other)),
    t("forged with the portal's old fallback secret 'your-secret-key'", await sign(fresh, 'HS256', new TextEncoder().encode('your-secret-key'))),
    t('expired a minute ago', await sign({ ...fresh, iat: now() - 7200, exp: now() - 60 }), 'token_expired'),
    t('expired a week ago (a stolen old token)', await sign({ ...fresh, iat: now() - 14 * 86400, exp: now() - 7 * 86400 }), 'token_expired'),
    t('alg none: unsigned', new UnsecuredJWT({ ...fresh }).encode()),
    t('alg none claiming ADMIN', new UnsecuredJWT({ ...fresh, role: 'ADMIN' }).encode()),
    t('alg "None" with the real signature kept', `${b64url(JSON.stringify({ alg: 'None', typ: 'JWT' }))}.${p}.${s}`),
    t('alg "nOnE" with an empty signature', `${b64url(JSON.stringify({ alg: 'nOnE' }))}.${p}.`),
    t('HS512 signed with the real secret (algorithm substitution)', await sign(fresh, 'HS512')),
    t('HS384 signed with the real secret', await sign(fresh, 'HS384')),
    t('RS256 header over an HMAC of the secret (key confusion)', rawJwt({ alg: 'RS256', typ: 'JWT' }, fresh, secret)),
    t('RS256 signed with an attacker RSA key', await new SignJWT({ ...fresh }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)),
    t('ES256 header, HMAC signature', rawJwt({ alg: 'ES256' }, fresh, secret)),
    t('embedded jwk naming an attacker key', rawJwt({ alg: 'HS256', jwk: { kty: 'oct', k: b64url('attacker') } }, fresh, 'attacker')),
    t('kid path traversal to an empty key', rawJwt({ alg: 'HS256', kid: '../../../../dev/null' }, fresh, '')),
    t('unknown critical header extension', rawJwt({ alg: 'HS256', crit: ['exp-ext'], 'exp-ext': 1 }, fresh, secret)),
    t('no exp claim (a token that never expires)', rawJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now() }, secret)),
    t('exp as a string', rawJwt({ alg: 'HS256' }, { ...claims, exp: String(now() + 3600) }, secret)),
    t('not valid yet (nbf in an hour)', await sign({ ...fresh, nbf: now() + 3600 })),
    t('id 0', await sign({ ...fresh, id: 0 })),
    t('negative id', await sign({ ...fresh, id: -1 })),
    t('id as SQL', await sign({ ...fresh, id: '1 OR 1=1' })),
    t('fractional id', await sign({ ...fresh, id: 1.5 })),
    t('id beyond int4', await sign({ ...fresh, id: 2 ** 31 })),
    t('id as an array', await sign({ ...fresh, id: [claims.id] })),
    t('no id claim at all', await sign({ email: claims.email, role: claims.role, iat: now(), exp: now() + 3600 })),
    t('payload swapped to ADMIN, signature kept', `${h}.${adminPayload}.${s}`),
    t('signature truncated', legit.slice(0, -3)),
    t('signature from another token spliced on', `${h}.${p}.${(await mintToken({ ...claims, id: claims.id + 1 }, { secret })).split('.')[2]}`),
    t('only two segments', `${h}.${p}`),
    t('four segments', `${legit}.${s}`),
    t('base64 garbage', 'eyJ!!!.eyJ???.***'),
    t('a JWE-shaped token (five segments)', `${h}..${p}.${s}.${s}`),
  ];
}
