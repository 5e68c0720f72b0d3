/**
 * BENCH PROTOTYPE (not used by the app): `server.ts` itself, plus one diagnosis switch.
 * - `BENCH_NO_POLLER=1` stops the metrics poller once the hub is up, to measure what the poller's
 *   per-event recomputation costs the event path (`--transport nopoll`; diagnosis only: the targets
 *   are measured with the poller running).
 * The larger listen backlog this file once prototyped (`--transport proto`) is now in `server.ts`,
 * so `proto` runs the same server as `node`.
 */
await import('../../server');

if (process.env.BENCH_NO_POLLER === '1') {
  const { getRuntime } = await import('../../lib/runtime');
  (await getRuntime()).poller.stop();
  console.log('[bench] metrics poller stopped');
}

export {};
