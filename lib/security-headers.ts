/**
 * The security headers of every response: set by Next from `next.config.ts` (`headers()`) for
 * pages and API routes, and by the `/api/ws` routes themselves (the Node transport answers them
 * outside Next).
 */

const DEV = process.env.NODE_ENV !== 'production';

/** Same-origin everything; Next's inline bootstrap scripts need 'unsafe-inline' (and eval in dev). */
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${DEV ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Sets the security headers on `res` (whose headers must be mutable) and returns it. */
export function withSecurityHeaders<R extends { headers: Headers }>(res: R): R {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}
