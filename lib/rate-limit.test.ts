/**
 * Rate limits: the token bucket itself on a fake clock, and its wiring into `POST /api/auth/login`
 * and `POST /api/ws` through the real route handlers. Each test names the abuse it blocks.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POST as loginPost } from '@/app/api/auth/login/route';
import { POST as wsPost } from '@/app/api/ws/route';
import { createUser, mintToken } from '../test/support/fixtures';
import { clientIp, LOGIN_PER_EMAIL, LOGIN_PER_IP, rateLimits, RateLimiter, UNKNOWN_CLIENT, WS_POST_PER_USER } from './rate-limit';
import { getDb } from './runtime';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('RateLimiter (token bucket)', () => {
  it('blocks a burst beyond capacity, says when to retry, and refills with time', () => {
    const c = clock();
    const l = new RateLimiter({ capacity: 5, windowMs: 10_000 }, { now: c.now });
    for (let i = 0; i < 5; i++) expect(l.take('k').ok).toBe(true);
    const refused = l.take('k');
    expect(refused).toEqual({ ok: false, retryAfterS: 2 });
    c.t += 1_999;
    expect(l.take('k').ok).toBe(false);
    c.t += 2_000;
    expect(l.take('k').ok).toBe(true);
    expect(l.take('k').ok).toBe(false);
    c.t += 60_000;
    const results = Array.from({ length: 6 }, () => l.take('k').ok);
    expect(results).toEqual([true, true, true, true, true, false]);
  });

  it('keeps keys apart: one client exhausting its bucket does not lock out another', () => {
    const l = new RateLimiter({ capacity: 2, windowMs: 60_000 }, { now: clock().now });
    l.take('attacker');
    l.take('attacker');
    expect(l.take('attacker').ok).toBe(false);
    expect(l.take('victim').ok).toBe(true);
  });

  it('memory exhaustion by key flooding: never tracks more than maxKeys', () => {
    const l = new RateLimiter({ capacity: 3, windowMs: 60_000 }, { now: clock().now, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) {
      expect(l.take(`flood-${i}`).ok).toBe(true);
      expect(l.size).toBeLessThanOrEqual(100);
    }
    expect(l.size).toBe(100);
  });

  it('a key flood at the cap drops refilled buckets first, so it does not reset a limited client', () => {
    const c = clock();
    const l = new RateLimiter({ capacity: 3, windowMs: 60_000 }, { now: c.now, maxKeys: 100 });
    for (let i = 0; i < 3; i++) l.take('guesser');
    for (let i = 0; i < 99; i++) l.take(`flood-${i}`);
    c.t += 30_000; // the flood's buckets (2 tokens left) are full again; the guesser's (0 left) is not
    l.take('one-more-key');
    expect(l.size).toBe(2);
    expect(l.take('guesser')).toMatchObject({ ok: true, remaining: 0 });
    expect(l.take('guesser').ok).toBe(false);
  });

  it('huge keys from headers or bodies are truncated, not stored whole', () => {
    const l = new RateLimiter({ capacity: 1, windowMs: 60_000 }, { now: clock().now });
    expect(l.take('x'.repeat(1_000_000)).ok).toBe(true);
    // same first 256 characters → same bucket
    expect(l.take('x'.repeat(300)).ok).toBe(false);
  });

  it('the sweep forgets only buckets that have refilled, so a sweep never resets a limited client', () => {
    const c = clock();
    const l = new RateLimiter({ capacity: 2, windowMs: 10_000 }, { now: c.now });
    l.take('idle');
    l.take('limited');
    l.take('limited');
    c.t += 6_000;
    expect(l.sweep()).toBe(1);
    expect(l.size).toBe(1);
    expect(l.take('limited')).toMatchObject({ ok: true, remaining: 0 });
    expect(l.take('limited').ok).toBe(false);
  });
});

describe('clientIp', () => {
  const req = (xff?: string) => new Request('http://localhost/', { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
  it('uses the first hop of X-Forwarded-For, else a fallback key', () => {
    expect(clientIp(req('203.0.113.7, 10.0.0.1'))).toBe('203.0.113.7');
    expect(clientIp(req('  2001:DB8::1  '))).toBe('2001:db8::1');
    expect(clientIp(req())).toBe(UNKNOWN_CLIENT);
    expect(clientIp(req(' , 10.0.0.1'))).toBe(UNKNOWN_CLIENT);
    expect(clientIp(req('9'.repeat(5_000)))).toHaveLength(64);
  });
});

// Buckets refill continuously; freezing the clock (Date only: timers and I/O run normally) makes
// "the request after the budget" exact however slow the machine is.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
});
afterAll(() => {
  vi.useRealTimers();
});

const login = (body: unknown, ip: string) =>
  loginPost(
    new Request('http://localhost/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(body),
    }),
  );

const ping = (token: string, ip = '198.51.100.1') =>
  wsPost(
    new Request('http://localhost/api/ws', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-forwarded-for': ip },
      body: JSON.stringify({ type: 'ping' }),
    }),
  );

describe('POST /api/auth/login limits', () => {
  it('password guessing against one account from many addresses gets 429 too_many_requests with Retry-After', async () => {
    const email = 'Victim@Example.test';
    for (let i = 0; i < LOGIN_PER_EMAIL.capacity; i++) {
      // alternate the spelling: the budget belongs to the account, not to one casing of it
      const r = await login({ email: i % 2 ? email.toLowerCase() : email, password: `guess-${i}` }, `192.0.2.${i + 1}`);
      expect(r.status).toBe(401);
    }
    const r = await login({ email, password: 'one-more' }, '192.0.2.200');
    expect(r.status).toBe(429);
    expect(await r.json()).toMatchObject({ error: 'too_many_requests' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another account is not affected
    expect((await login({ email: 'someone-else@example.test', password: 'x' }, '192.0.2.201')).status).toBe(401);
  });

  it('credential stuffing from one address across many accounts gets 429 before the body is even parsed', async () => {
    const ip = '203.0.113.50';
    for (let i = 0; i < LOGIN_PER_IP.capacity; i++) {
      expect((await login({ email: `user${i}@stuffing.test`, password: 'x' }, ip)).status).toBe(401);
    }
    const r = await login({ email: 'fresh@stuffing.test', password: 'x' }, ip);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    const bad = await loginPost(new Request('http://localhost/api/auth/login', { method: 'POST', headers: { 'x-forwarded-for': ip }, body: '{' }));
    expect(bad.status).toBe(429);
    expect((await login({ email: 'fresh@stuffing.test', password: 'x' }, '203.0.113.51')).status).toBe(401);
  });
});

describe('POST /api/ws limits', () => {
  it('a client flooding messages gets 429 after the per-user budget; other users keep theirs', async () => {
    // Real users: every message checks that its user still exists.
    const flooder = (await createUser(await getDb())).token;
    const other = (await createUser(await getDb())).token;
    for (let i = 0; i < WS_POST_PER_USER.capacity; i++) {
      expect((await ping(flooder, `198.51.100.${(i % 200) + 1}`)).status).toBe(200);
    }
    const r = await ping(flooder);
    expect(r.status).toBe(429);
    expect(await r.json()).toMatchObject({ error: 'too_many_requests' });
    expect(r.headers.get('retry-after')).toBe('1');
    expect((await ping(other)).status).toBe(200);
  });

  it("forged tokens naming a victim's id cannot spend the victim's budget", async () => {
    const victimId = (await createUser(await getDb())).userId;
    const forged = await mintToken({ id: victimId }, { secret: 'not-the-server-secret-not-the-server-secret' });
    let limited = 0;
    for (let i = 0; i < WS_POST_PER_USER.capacity + 5; i++) {
      const r = await ping(forged, '198.51.100.77');
      if (r.status === 429) limited++;
      else expect(r.status).toBe(401);
    }
    expect(limited).toBe(5);
    expect((await ping(await mintToken({ id: victimId }), '198.51.100.78')).status).toBe(200);
  });

  it('the limiters are one set per process', () => {
    expect(rateLimits()).toBe(rateLimits());
    expect(rateLimits().wsPostPerUser.rule).toEqual(WS_POST_PER_USER);
  });
});
