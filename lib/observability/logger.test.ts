/**
 * The logger's guarantees, line by line: the request id on every line of a request (and on none
 * outside it), nothing secret through `redact`, and no SQL parameter through an error (Drizzle
 * puts them in its error's message). The end-to-end check is test/operability.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../config';
import { logger, setLogDestination } from './logger';
import { prettyLine } from './pretty-lines';
import { outsideRequest, requestIdFrom, withRequestContext } from './request-context';

const lines: string[] = [];
process.env.LOG_LEVEL = 'info'; // the test setup's `warn` would hide the lines under test
resetConfig();
setLogDestination({ write: (l: string) => void lines.push(l) });
afterAll(() => setLogDestination(process.stdout));
const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('logger', () => {
  it('stamps the request id on every line written inside a request, through awaits, and on none outside', async () => {
    lines.length = 0;
    await withRequestContext({ method: 'GET', url: '/api/ws?ownerId=1', requestId: 'req-42' }, async (ctx) => {
      expect(ctx).toEqual({ id: 'req-42', method: 'GET', path: '/api/ws' });
      logger().info('first');
      await new Promise((r) => setTimeout(r, 1));
      logger().warn('after an await');
      outsideRequest(() => logger().info('started lazily by the request, not part of it'));
    });
    logger().info('outside');
    expect(parsed().map((l) => [l.msg, l.reqId])).toEqual([
      ['first', 'req-42'],
      ['after an await', 'req-42'],
      ['started lazily by the request, not part of it', undefined],
      ['outside', undefined],
    ]);
  });

  it('keeps a client request id only when it cannot forge a line', () => {
    expect(requestIdFrom('abc-123.x:y_z')).toBe('abc-123.x:y_z');
    for (const bad of ['a\nb', 'x'.repeat(65), '{"level":"error"}', '']) expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes tokens, headers, passwords or SQL parameters', () => {
    lines.length = 0;
    const query = Object.assign(new Error('Failed query: select * from users where email = $1\nparams: victim@example.com'), {
      name: 'DrizzleQueryError',
      query: 'select * from users where email = $1',
      params: ['victim@example.com'],
      cause: Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }),
    });
    logger().error({ err: query }, 'query failed');
    logger().info({ token: 'tok-secret-1', headers: { authorization: 'Bearer tok-secret-2' }, body: { password: 'pw-secret-3' } }, 'request');
    logger().warn({ params: ['pw-secret-4'] }, 'params');
    expect(lines).toHaveLength(3);
    const out = lines.join('');
    for (const secret of ['victim@example.com', 'tok-secret-1', 'tok-secret-2', 'pw-secret-3', 'pw-secret-4']) expect(out).not.toContain(secret);
    expect(parsed()[0].err).toMatchObject({ type: 'Error', message: 'connection refused', code: 'ECONNREFUSED' });
  });

  it('development lines are readable', () => {
    const line = prettyLine('{"level":"warn","time":"2026-12-02T00:35:13.555Z","pid":1,"reqId":"abcdef123456","op":"metrics","msg":"db down"}');
    expect(line).toBe('00:35:13.555 WARN  [abcdef12] db down op=metrics\n');
  });
});
