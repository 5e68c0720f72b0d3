/**
 * Next calls `register()` once per server process before serving: open the database (which
 * migrates), seed the embedded demo database on first start, and start the realtime runtime.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { startRuntime } = await import('./lib/runtime');
  await startRuntime();
}
