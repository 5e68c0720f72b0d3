import { beforeAll, describe, expect, it } from 'vitest';
import { createOwner, publishEvents } from '../../../test/support/fixtures';
import { openStream } from '../../../test/support/sse-client';
import { resetConfig } from '../../config';
import type { Db } from '../../db/client';
import { getDb } from '../../runtime';
import { RECONNECT_RETRY_FLOOR_MS } from './connection';

let db: Db;
beforeAll(async () => {
  process.env.WS_MAX_STREAM_SECONDS = '1';
  resetConfig();
  db = await getDb();
});

describe('serverless mode (WS_MAX_STREAM_SECONDS)', () => {
  it('ends each stream with reconnect after the limit, and the client resumes with nothing lost', async () => {
    const o = await createOwner(db);
    const first = await openStream({ token: o.token });
    await first.next('metrics_updated');
    await publishEvents(o.ownerId, 3);
    await first.until(() => first.ended, 3_000, 'the time limit');
    const last = first.frames.at(-1)!;
    expect(last.event).toBe('reconnect');
    expect(last.envelope.data).toEqual({ retryMs: 0 });
    // A plain EventSource ignores the event and waits the last `retry:`: it is set low just before.
    expect(first.retry).toBe(RECONNECT_RETRY_FLOOR_MS);
    await publishEvents(o.ownerId, 2); // between the two streams
    const second = await openStream({ token: o.token, lastEventId: first.seqs().at(-1) });
    await second.next('metrics_updated');
    expect([...first.seqs(), ...second.seqs()]).toEqual([1, 2, 3, 4, 5]);
    second.close();
  });
});
