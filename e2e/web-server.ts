/**
 * Playwright's `webServer`: builds the app into `.next-e2e` (skip with E2E_SKIP_BUILD=1 when the
 * build is current), then serves it on port 3100 over a fresh embedded database for this run.
 */
import { buildApp, PORT, runId, startServer, stopServer } from './server';

if (process.env.E2E_SKIP_BUILD !== '1') buildApp();
const child = await startServer({ port: PORT, pgliteDir: `.data/e2e-${runId()}` });
console.log(`[e2e] ready on http://127.0.0.1:${PORT} (database .data/e2e-${runId()})`);
const stop = () => void stopServer(child).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code) => process.exit(code ?? 1));
