/**
 * Playwright's `webServer`: builds the app into `.next-e2e` (skip with E2E_SKIP_BUILD=1 when the
 * build is current), then serves it on port 3100 over a fresh embedded database for this run.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, PORT, ROOT, runId, startServer } from './server';

if (process.env.E2E_SKIP_BUILD !== '1') buildApp();
const server = await startServer({ port: PORT, pgliteDir: `.data/e2e-${runId()}` });
console.log(`[e2e] ready on http://127.0.0.1:${PORT} (database .data/e2e-${runId()})`);
// The run's database is thrown away afterwards (~40 MB each); E2E_KEEP_DATA=1 keeps it for a look.
const cleanUp = () => process.env.E2E_KEEP_DATA === '1' || rmSync(join(ROOT, `.data/e2e-${runId()}`), { recursive: true, force: true });
let stopping = false;
const stop = () => {
  stopping = true;
  void server.stop().then(() => {
    cleanUp();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.proc.on('exit', (code) => stopping || process.exit(code ?? 1));
