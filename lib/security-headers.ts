/**
 * The security headers of every response: set by Next from `next.config.ts` (`headers()`) for
 * pages and API routes, and by the `/api/ws` routes themselves (the Node transport answers them
 * outside Next).
 */

/** Same-origin everything; Next's inline bootstrap scripts need 'unsafe-inline' (and eval under `next dev`). */
const csp = (dev: boolean) =>
  [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * The headers, for a development server or not. `next.config.ts` decides by Next's phase (its
 * headers are fixed at build time, whatever NODE_ENV the build ran under); the `/api/ws` routes by
 * NODE_ENV at run time.
 */
export function securityHeaders(dev: boolean): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': csp(dev),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

const RUNTIME_HEADERS = securityHeaders(process.env.NODE_ENV !== 'production');

/** Sets the security headers on `res` (whose headers must be mutable) and returns it. */
export function withSecurityHeaders<R extends { headers: Headers }>(res: R): R {
  for (const [k, v] of Object.entries(RUNTIME_HEADERS)) res.headers.set(k, v);
  return res;
}
