import { describe, expect, it } from 'vitest';
import type { Database } from '../../db/client';
import { startCrossInstance } from './cross-instance';

/** A database whose LISTEN succeeds or fails as told (the mode choice is all that is under test here). */
function database(opts: { pooled: boolean; listen: 'ok' | 'fail' }) {
  let listened = 0;
  const db = {
    kind: 'postgres',
    pooled: opts.pooled,
    async listen(_channel: string, _onNotify: unknown, onListen?: () => void) {
      if (opts.listen === 'fail') throw new Error('LISTEN is not supported');
      listened++;
      onListen?.();
      return async () => {};
    },
  } as unknown as Database;
  return { db, listened: () => listened };
}
const hub = { advanceOwner() {}, async catchUpAll() {} };

describe('cross-instance delivery mode', () => {
  it('polls behind a declared pooler without trying LISTEN', async () => {
    const d = database({ pooled: true, listen: 'ok' });
    const c = await startCrossInstance(d.db, hub, undefined);
    expect([c.mode, d.listened()]).toEqual(['poll', 0]);
    expect(c.reason).toMatch(/pooler/);
  });

  it('uses NOTIFY on a direct URL where LISTEN works', async () => {
    const d = database({ pooled: false, listen: 'ok' });
    expect((await startCrossInstance(d.db, hub, undefined)).mode).toBe('notify');
    expect(d.listened()).toBe(1);
  });

  it('falls back to polling when LISTEN fails, and says why', async () => {
    const c = await startCrossInstance(database({ pooled: false, listen: 'fail' }).db, hub, undefined);
    expect(c.mode).toBe('poll');
    expect(c.reason).toMatch(/LISTEN failed.*not supported/);
  });

  it('follows WS_CROSS_INSTANCE, and refuses to start when notify was asked for and LISTEN fails', async () => {
    const d = database({ pooled: false, listen: 'ok' });
    expect((await startCrossInstance(d.db, hub, 'poll')).mode).toBe('poll');
    expect(d.listened()).toBe(0);
    await expect(startCrossInstance(database({ pooled: false, listen: 'fail' }).db, hub, 'notify')).rejects.toThrow(
      /WS_CROSS_INSTANCE=notify but LISTEN failed/,
    );
  });
});
