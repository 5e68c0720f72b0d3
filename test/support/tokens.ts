/**
 * Valid tokens for the unit tests, the e2e specs and the benches, minted by the product's own
 * signer (`signToken` of lib/auth/jwt.ts, what the login route issues): HS256, claims
 * id/email/role/name, `iat` and `exp`. The one place outside lib/ that signs a valid token.
 * Deliberately broken tokens are built elsewhere (test/adversarial/tokens.ts, the verifier's tests).
 */
import { signToken } from '../../lib/auth/jwt';

/** The secret the test setup gives the app (test/support/setup.ts). */
export const TEST_SECRET = () => process.env.JWT_SECRET!;

/** The claims a token carries; `role` defaults to `user`, email and name may be left out. */
export interface MintClaims {
  id: number;
  email?: string;
  role?: string;
  name?: string;
}

/**
 * A valid token for `claims`, expiring `expiresIn` seconds from now (default 1 h), signed with
 * `secret` (default: this process's `JWT_SECRET`).
 */
export function mintToken(claims: MintClaims, opts: { expiresIn?: number; secret?: string } = {}): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + (opts.expiresIn ?? 3600);
  // The signer types email and name as present (the portal always has them); one left out here
  // is undefined, and the JSON payload simply omits it.
  const user = { role: 'user', ...claims } as Parameters<typeof signToken>[0];
  return signToken(user, { expiresIn: exp, secret: opts.secret ?? process.env.JWT_SECRET });
}
