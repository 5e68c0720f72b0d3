/**
 * Tokens exactly as the portal issues them: HS256 JWTs signed with `JWT_SECRET`, claims `id`
 * (users.id; `userId` accepted as an alias), `email`, `role`, `name`, `iat`, `exp`. Verification
 * allows only HS256 (so `alg: none` and algorithm confusion are refused) and requires `exp`.
 * No database here.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { config } from '../config';
import { AppError } from '../errors';

/** The identity a verified token carries. `exp` is in seconds since the epoch, as in the JWT. */
export interface TokenClaims {
  userId: number;
  email?: string;
  role: string;
  name?: string;
  exp: number;
  iat?: number;
}

/**
 * No skew tolerated on `exp`: a stream's sweep ends it at `exp` exactly, so a token accepted past
 * its `exp` would open a stream only to close it at once (and `POST auth` would answer an expiry
 * in the past).
 */
const CLOCK_TOLERANCE_S = 0;
const MAX_TOKEN_LENGTH = 8 * 1024;

/** Imported once per secret: a raw `Uint8Array` would be imported again on every verification. */
const keyCache = new Map<string, KeyObject>();
function key(secret = config().JWT_SECRET): KeyObject {
  let k = keyCache.get(secret);
  if (!k) {
    k = createSecretKey(Buffer.from(secret, 'utf8'));
    keyCache.set(secret, k);
  }
  return k;
}

/**
 * Tokens already verified, until their `exp`: a client sends the same token with every stream
 * open and message. Bounded; the oldest entry goes first. A hit still re-checks `exp` against the
 * clock, and nothing here replaces the database checks of the user (deleted, role, ownership).
 */
const VERIFIED_CACHE_MAX = 10_000;
const verified = new Map<string, { secret: string; claims: TokenClaims }>();

function rememberVerified(token: string, secret: string, claims: TokenClaims): void {
  if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
  verified.set(token, { secret, claims });
}

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

export const missingToken = () =>
  new AppError(401, 'missing_token', 'Send a token in the Authorization header (Bearer) or the "token" cookie.', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
export const invalidToken = (why: string) => new AppError(401, 'invalid_token', `The token is not valid: ${why}.`, { headers: BEARER_CHALLENGE });
export const tokenExpired = () => new AppError(401, 'token_expired', 'The token has expired; sign in again or refresh it.', { headers: BEARER_CHALLENGE });

/**
 * The token of an `Authorization` header value: the credentials of a `Bearer` scheme ('' when the
 * scheme is Bearer but malformed), or undefined for any other scheme (`Basic …`) or none.
 */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization || !/^Bearer(\s|$)/i.test(authorization)) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
}

/** Verifies `token` and returns its claims; throws a 401 `AppError` (`invalid_token` or `token_expired`). */
export async function verifyToken(token: string, opts: { secret?: string; now?: Date } = {}): Promise<TokenClaims> {
  if (!token || token.length > MAX_TOKEN_LENGTH) throw invalidToken('it is empty or too long');
  const secret = opts.secret ?? config().JWT_SECRET;
  const known = opts.now ? undefined : verified.get(token);
  if (known && known.secret === secret) {
    if (known.claims.exp * 1000 > Date.now()) return known.claims;
    verified.delete(token);
    throw tokenExpired();
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: opts.now,
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw tokenExpired();
    if (err instanceof errors.JOSEAlgNotAllowed) throw invalidToken('only HS256 is accepted');
    if (err instanceof errors.JWTClaimValidationFailed) throw invalidToken(`claim "${err.claim}" ${err.reason}`);
    throw invalidToken('its signature or format is wrong');
  }
  const claims = claimsFrom(payload);
  if (!opts.now) rememberVerified(token, secret, claims);
  return claims;
}

function claimsFrom(payload: JWTPayload): TokenClaims {
  const rawId = payload.id ?? payload.userId;
  const userId = typeof rawId === 'string' && /^\d{1,10}$/.test(rawId) ? Number(rawId) : rawId;
  if (typeof userId !== 'number' || !Number.isSafeInteger(userId) || userId <= 0 || userId > 2_147_483_647) {
    throw invalidToken('claim "id" must be a positive integer user id');
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    userId,
    email: str(payload.email),
    role: str(payload.role) ?? 'user',
    name: str(payload.name),
    exp: payload.exp!,
    iat: payload.iat,
  };
}

/** True for the roles that may open any owner's stream and read stats. */
export const isAdmin = (claims: Pick<TokenClaims, 'role'>) => claims.role === 'MASTER' || claims.role === 'ADMIN';

/** Issues a token the way the portal's login does: HS256, claims id/email/role/name, 7 days by default. */
export async function signToken(
  user: { id: number; email: string; role: string; name: string },
  opts: { expiresIn?: string | number; secret?: string } = {},
): Promise<string> {
  return new SignJWT({ id: user.id, email: user.email, role: user.role, name: user.name })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '7d')
    .sign(key(opts.secret));
}
