import { z } from 'zod';
import { login } from '@/lib/auth/login';
import { errorResponse } from '@/lib/errors';
import { readJson } from '@/lib/http';

export const dynamic = 'force-dynamic';

const Body = z
  .object({
    email: z.string().trim().max(255).optional(),
    identifier: z.string().trim().max(255).optional(),
    password: z.string().min(1).max(200),
  })
  .refine((b) => b.email || b.identifier, { message: 'email is required', path: ['email'] });

/** `POST /api/auth/login` `{ email, password }` → `{ message, token, user }` plus an httpOnly `token` cookie. */
export async function POST(req: Request): Promise<Response> {
  try {
    const body = await readJson(req, Body);
    const result = await login((body.email ?? body.identifier)!, body.password);
    const secure = new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
    const cookie = [
      `token=${result.token}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Lax',
      `Max-Age=${7 * 24 * 3600}`,
      ...(secure ? ['Secure'] : []),
    ].join('; ');
    return Response.json({ message: 'Login successful', ...result }, { headers: { 'Set-Cookie': cookie } });
  } catch (err) {
    return errorResponse(err);
  }
}
