import { beforeAll, describe, expect, it } from 'vitest';
import { verifyToken } from '@/lib/auth/jwt';
import { seedDemoData, DEMO_ACCOUNTS } from '@/lib/db/seed';
import { POST } from './route';
import { getDb } from '@/lib/runtime';

const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  POST(new Request('http://localhost/api/auth/login', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));

beforeAll(async () => {
  await seedDemoData(await getDb(), { bookingsPerListing: 1 });
});

describe('POST /api/auth/login', () => {
  it('returns a portal-shaped token and user, and sets an httpOnly token cookie', async () => {
    const { email, password } = DEMO_ACCOUNTS[0];
    const res = await post({ email, password });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.user).toMatchObject({ email, role: 'user', name: 'Ricardo Almeida' });
    expect(body.owners).toHaveLength(1);
    const claims = await verifyToken(body.token);
    expect(claims).toMatchObject({ userId: body.user.id, email, role: 'user' });
    expect(res.headers.get('set-cookie')).toMatch(/^token=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
  });

  it('refuses a wrong password or unknown email with the same 401', async () => {
    const wrong = await post({ email: DEMO_ACCOUNTS[0].email, password: 'nope' });
    const unknown = await post({ email: 'nobody@x', password: 'nope' });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('answers bad input with 4xx JSON', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ email: 'a@x' })).status).toBe(400);
    expect((await post({ email: 'a@x', password: 'x' }, { 'content-type': 'application/xml' })).status).toBe(415);
    const huge = await post({ email: 'a@x', password: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error).toBe('payload_too_large');
  });
});
