import jsonwebtoken from 'jsonwebtoken';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintToken, TEST_SECRET } from '../../test/support/fixtures';
import type { AppError } from '../errors';
import { signToken, verifyToken } from './jwt';

async function refusal(token: string): Promise<AppError> {
  try {
    await verifyToken(token);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('token was accepted');
}

describe('verifyToken', () => {
  it("accepts a token the portal's jsonwebtoken login signs (claims id/email/role/name, 7d)", async () => {
    const token = jsonwebtoken.sign({ id: 42, email: 'o@x', role: 'user', name: 'Owner Person' }, TEST_SECRET(), { expiresIn: '7d' });
    const claims = await verifyToken(token);
    expect(claims).toMatchObject({ userId: 42, email: 'o@x', role: 'user', name: 'Owner Person' });
    expect(claims.exp - claims.iat!).toBe(7 * 24 * 3600);
  });

  it('accepts userId as an alias of id (the legacy /api/login token)', async () => {
    const token = jsonwebtoken.sign({ userId: 7, email: 'l@x', name: 'L' }, TEST_SECRET(), { expiresIn: '1d' });
    expect(await verifyToken(token)).toMatchObject({ userId: 7, role: 'user' });
  });

  it('refuses an expired token with token_expired', async () => {
    const token = jsonwebtoken.sign({ id: 1, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_SECRET());
    const err = await refusal(token);
    expect([err.status, err.code]).toEqual([401, 'token_expired']);
    expect(err.options.headers?.['WWW-Authenticate']).toContain('invalid_token');
  });

  it('refuses a token signed with another secret (forged)', async () => {
    const err = await refusal(await mintToken({ id: 1 }, { secret: 'not-the-secret-not-the-secret-!!' }));
    expect([err.status, err.code]).toEqual([401, 'invalid_token']);
  });

  it('refuses alg: none', async () => {
    const token = new UnsecuredJWT({ id: 1 }).setExpirationTime('1h').encode();
    expect((await refusal(token)).code).toBe('invalid_token');
  });

  it('refuses another algorithm with the same secret (HS512)', async () => {
    const token = await new SignJWT({ id: 1 }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(new TextEncoder().encode(TEST_SECRET()));
    const err = await refusal(token);
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/HS256/);
  });

  it('refuses a token without exp', async () => {
    const token = jsonwebtoken.sign({ id: 1 }, TEST_SECRET());
    const err = await refusal(token);
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/exp/);
  });

  it('refuses a token whose id is not a positive integer, and garbage', async () => {
    for (const id of [0, -3, 'abc', 1.5, 2 ** 40]) {
      expect((await refusal(jsonwebtoken.sign({ id }, TEST_SECRET(), { expiresIn: 60 }))).code).toBe('invalid_token');
    }
    expect((await refusal('not.a.jwt')).code).toBe('invalid_token');
    expect((await refusal('x'.repeat(10_000))).code).toBe('invalid_token');
  });

  it('signToken issues what the portal issues and verifyToken reads it back', async () => {
    const token = await signToken({ id: 5, email: 'e@x', role: 'ADMIN', name: 'E' });
    const decoded = jsonwebtoken.verify(token, TEST_SECRET(), { algorithms: ['HS256'] }) as jsonwebtoken.JwtPayload;
    expect(decoded).toMatchObject({ id: 5, email: 'e@x', role: 'ADMIN', name: 'E' });
    expect(decoded.exp! - decoded.iat!).toBe(7 * 24 * 3600);
  });
});
