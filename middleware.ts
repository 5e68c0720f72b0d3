/**
 * Runs before every request except `/api/ws` (which must not be touched while it streams) and
 * static assets: adds the security headers. Authentication is the route handlers' own, once per
 * route (`lib/domain/access.ts` for `/api/hangarshare/**`, with the portal's error sentences;
 * `lib/auth/request.ts` for the rest), so there is one check and one answer shape per route.
 */
import { NextResponse } from 'next/server';
import { withSecurityHeaders } from './lib/security-headers';

export function middleware(): NextResponse {
  return withSecurityHeaders(NextResponse.next());
}

export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!api/ws|_next/static|_next/image|favicon.ico).*)'],
};
