/**
 * Where a request's token comes from, first match wins: `Authorization: Bearer <jwt>`, then the
 * `token` cookie. Another scheme in `Authorization` (`Basic …`, set by a proxy, say) is not ours
 * and does not hide the cookie. Never the URL: query strings end up in logs and browser history.
 */
import { bearerToken, missingToken, verifyToken, type TokenClaims } from './jwt';

/** Extracts the raw token, or undefined when the request carries none. */
export function tokenFromRequest(req: Request): string | undefined {
  const bearer = bearerToken(req.headers.get('authorization'));
  if (bearer !== undefined) return bearer;
  const cookie = req.headers.get('cookie');
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'token') {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return '';
      }
    }
  }
  return undefined;
}

/** Verifies the request's token; throws a 401 `AppError` when it is missing or invalid. */
export async function authenticate(req: Request): Promise<TokenClaims> {
  const token = tokenFromRequest(req);
  if (token === undefined) throw missingToken();
  return verifyToken(token);
}
