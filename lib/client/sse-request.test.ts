import { describe, expect, it } from 'vitest';
import { FakeServer } from '../../test/support/fake-sse';
import { readStream, streamUrl } from './sse-request';
import type { Frame } from './types';

function read(srv: FakeServer, opts: { lastEventId?: string } = {}) {
  const frames: Frame[] = [];
  const retries: number[] = [];
  let activity = 0;
  const ctrl = new AbortController();
  const done = readStream(
    { url: '/api/ws', ownerId: '7', token: 'tok.en', lastEventId: opts.lastEventId, signal: ctrl.signal, fetch: srv.fetch },
    { onFrame: (f) => frames.push(f), onRetry: (ms) => retries.push(ms), onActivity: () => activity++ },
  );
  return { frames, retries, done, ctrl, activity: () => activity };
}

describe('readStream', () => {
  it('sends the token as a Bearer header, never in the URL, and Last-Event-ID when resuming', async () => {
    const srv = new FakeServer();
    const r = read(srv, { lastEventId: '41' });
    await Promise.resolve();
    srv.last.end();
    await r.done;
    const req = srv.gets[0];
    expect(req.headers.authorization).toBe('Bearer tok.en');
    expect(req.headers.accept).toBe('text/event-stream');
    expect(req.headers['last-event-id']).toBe('41');
    expect(req.url).toBe('http://localhost/api/ws?ownerId=7');
    expect(req.url).not.toContain('tok.en');
  });

  it('parses frames split anywhere, even inside a multi-byte character', async () => {
    const srv = new FakeServer();
    const r = read(srv);
    await new Promise((res) => setTimeout(res, 0));
    const text = `retry: 1500\n\n: ping\n\nid: 3\nevent: booking_created\ndata: ${JSON.stringify({ type: 'booking_created', timestamp: 1, data: { guestName: 'João Ávila' }, ownerId: '7' })}\n\n`;
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += 7) srv.last.write(bytes.slice(i, i + 7));
    srv.last.end();
    await r.done;
    expect(r.retries).toEqual([1500]);
    expect(r.frames).toHaveLength(1);
    expect(r.frames[0]).toMatchObject({ event: 'booking_created', id: '3', message: { data: { guestName: 'João Ávila' } } });
    expect(r.activity()).toBe(3); // retry, comment, frame
  });

  it('skips frames whose data is not an envelope', async () => {
    const srv = new FakeServer();
    const r = read(srv);
    await new Promise((res) => setTimeout(res, 0));
    srv.last.write('event: x\ndata: not json\n\n');
    srv.last.frame('pong', { serverTime: 1 });
    srv.last.end();
    await r.done;
    expect(r.frames.map((f) => f.event)).toEqual(['pong']);
  });

  it('rejects a refusal with the contract code, status and Retry-After', async () => {
    const srv = new FakeServer().reply({ status: 429, json: { error: 'too_many_connections', message: 'Too many.' }, headers: { 'retry-after': '7' } });
    await expect(read(srv).done).rejects.toMatchObject({ code: 'too_many_connections', status: 429, retryAfter: 7, retryable: true });
  });

  it('rejects a 401 as unauthorized and not retryable', async () => {
    const srv = new FakeServer().reply({ status: 401, json: { error: 'token_expired', message: 'Expired.' } });
    await expect(read(srv).done).rejects.toMatchObject({ code: 'token_expired', unauthorized: true, retryable: false });
  });

  it('rejects a 200 that is not an event stream', async () => {
    const srv = new FakeServer().reply({ status: 200, json: { message: 'hello' } });
    await expect(read(srv).done).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('rejects with code "aborted" when the caller aborts mid-stream', async () => {
    const srv = new FakeServer();
    const r = read(srv);
    await new Promise((res) => setTimeout(res, 0));
    r.ctrl.abort();
    await expect(r.done).rejects.toMatchObject({ code: 'aborted' });
  });

  it('builds URLs against absolute endpoints too', () => {
    expect(streamUrl('https://x.test/api/ws?a=1', '3')).toBe('https://x.test/api/ws?a=1&ownerId=3');
  });
});
