/**
 * A stream that ended while its client had stopped reading must not hold its response forever:
 * after WS_WRITE_TIMEOUT_MS the route transport errors the body, discarding what was queued, so
 * the server drops the connection. (The Node transport's half is in test/faults.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createOwner, publishEvents } from '../../../test/support/fixtures';
import { openStream } from '../../../test/support/sse-client';
import { resetConfig } from '../../config';
import { getDb, getRuntime } from '../../runtime';

beforeAll(() => {
  process.env.WS_MAX_BUFFERED_FRAMES = '16';
  process.env.WS_WRITE_TIMEOUT_MS = '300';
  resetConfig();
});

describe('write timeout (route transport)', () => {
  it('cuts an ended stream whose client never reads again, and counts it', async () => {
    const o = await createOwner(await getDb());
    const { hub } = await getRuntime();
    const before = hub.stats.writeTimeouts;
    const stuck = await openStream({ token: o.token, read: false });
    await publishEvents(o.ownerId, 200);
    await expect.poll(() => hub.connectionCount(o.ownerId), { timeout: 10_000 }).toBe(0); // overflow closed it
    await expect.poll(() => hub.stats.writeTimeouts, { timeout: 10_000 }).toBe(before + 1);
    stuck.startReading();
    await stuck.until(() => stuck.ended, 5_000, 'the cut stream to end');
    expect(stuck.seqs().length).toBeLessThan(200); // queued frames were discarded, not delivered late
  });

  it('leaves a stream alone that its client read to the end', async () => {
    const o = await createOwner(await getDb());
    const { hub } = await getRuntime();
    const before = hub.stats.writeTimeouts;
    const s = await openStream({ token: o.token });
    await s.next('metrics_updated');
    hub.disconnectOwner(o.ownerId);
    await s.until(() => s.ended, 5_000, 'the end of the stream');
    await new Promise((r) => setTimeout(r, 600));
    expect(hub.stats.writeTimeouts).toBe(before);
  });
});
