/**
 * Runs before every request except `/api/ws` (which authenticates itself and must not be touched
 * while it streams) and static assets: adds the security headers and refuses calls to
 * `/api/hangarshare/**` that carry no verifiable Bearer token, with the same JSON 401 as the API.
 * It imports only `lib/auth/jwt` (no database); ownership is checked by the routes.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { bearerToken, missingToken, verifyToken } from './lib/auth/jwt';
import { AppError } from './lib/errors';
import { withSecurityHeaders } from './lib/security-headers';

const withHeaders = (res: NextResponse): NextResponse => withSecurityHeaders(res);

export async function middleware(req: NextRequest): Promise<NextResponse> {
  // The Stripe webhook authenticates with its signature, not a user token.
  if (req.nextUrl.pathname.startsWith('/api/hangarshare/') && !req.nextUrl.pathname.startsWith('/api/hangarshare/webhook/')) {
    try {
      const token = bearerToken(req.headers.get('authorization'));
      if (!token) throw missingToken();
      await verifyToken(token);
    } catch (err) {
      const e = AppError.is(err) ? err : missingToken();
      return withHeaders(
        NextResponse.json({ error: e.code, message: e.message }, { status: e.status, headers: e.options.headers }),
      );
    }
  }
  return withHeaders(NextResponse.next());
}

export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!api/ws|_next/static|_next/image|favicon.ico).*)'],
};
