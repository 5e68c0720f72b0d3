/** The composition root: a build that fails part-way leaves nothing running, and the next one works. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOwner, publishEvents } from '../test/support/fixtures';
import { openStream } from '../test/support/sse-client';
import { MetricsPoller } from './metrics/poller';
import type { Hub } from './realtime/hub/hub';
import { getDb, getRuntime } from './runtime';

afterEach(() => vi.restoreAllMocks());

describe('getRuntime', () => {
  it('a build that fails after the hub and poller started stops them; the next build serves streams and pushes metrics', async () => {
    const start = MetricsPoller.prototype.start;
    let orphan: { hub: Hub; poller: MetricsPoller } | undefined;
    vi.spyOn(MetricsPoller.prototype, 'start').mockImplementationOnce(function (this: MetricsPoller, sink) {
      start.call(this, sink);
      orphan = { hub: sink as Hub, poller: this };
      throw new Error('LISTEN failed');
    });
    const stop = vi.spyOn(MetricsPoller.prototype, 'stop');
    await expect(getRuntime()).rejects.toThrow('LISTEN failed');
    expect(orphan).toBeDefined();
    expect(stop.mock.contexts).toContain(orphan!.poller); // the first poller was stopped …
    expect(() => orphan!.hub.admit(1)).toThrow(/shutting down/); // … and the first hub shut down

    const runtime = await getRuntime();
    expect(runtime.hub).not.toBe(orphan!.hub);
    const o = await createOwner(await getDb());
    const s = await openStream({ token: o.token });
    await s.next('metrics_updated');
    const pushes = s.of('metrics_updated').length;
    await publishEvents(o.ownerId, 1); // a booking event: the owner's metrics are recomputed and pushed
    await s.until(() => s.of('metrics_updated').length > pushes, 10_000, 'a metrics push after the event');
    s.close();
  });
});
