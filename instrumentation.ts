/**
 * Next calls `register()` once per server process before serving: build the runtime (database,
 * migrations, embedded demo seed, hub, poller, cross-instance bridge) so the first request finds
 * it ready.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { getRuntime } = await import('./lib/runtime');
  await getRuntime();
}
