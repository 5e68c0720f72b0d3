import { z } from 'zod';
import { login } from '@/lib/auth/login';
import { errorResponse } from '@/lib/errors';
import { readJson } from '@/lib/http';
import { limitLoginByEmail, limitLoginByIp } from '@/lib/rate-limit';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

/** PostgreSQL text cannot hold U+0000: such an email would fail in the query (a 500), so it is a 400 here. */
const emailField = z
  .string()
  .trim()
  .max(255)
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters')
  .optional();

const Body = z
  .object({
    email: emailField,
    identifier: emailField,
    password: z.string().min(1).max(200),
  })
  .refine((b) => b.email || b.identifier, { message: 'email is required', path: ['email'] });

/**
 * `POST /api/auth/login` `{ email, password }` → `{ message, token, user }` plus an httpOnly `token`
 * cookie. 429 `too_many_requests` (with `Retry-After`) past the per-IP or per-email budget.
 */
export const POST = withRequestLog(async (req: Request): Promise<Response> => {
  try {
    limitLoginByIp(req);
    const body = await readJson(req, Body);
    const email = (body.email ?? body.identifier)!;
    limitLoginByEmail(email);
    const result = await login(email, body.password);
    const secure = new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
    const cookie = [`token=${result.token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${7 * 24 * 3600}`, ...(secure ? ['Secure'] : [])].join('; ');
    return Response.json({ message: 'Login successful', ...result }, { headers: { 'Set-Cookie': cookie } });
  } catch (err) {
    return errorResponse(err);
  }
});
