#!/usr/bin/env node
/**
 * `npm run test:e2e`: runs the Playwright suite (e2e/) with the system Chromium when it is
 * installed (/usr/bin/chromium, or the path in CHROMIUM_PATH). Without Chromium it prints that
 * the suite was SKIPPED and how to install it, and exits 0, so `npm test` still passes on
 * machines without a browser. Extra arguments go to `playwright test` (e.g. a spec name, --headed).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The suite always serves a fresh embedded database of its own, whatever DATABASE_URL says, so a
// second `npm test` pass on PostgreSQL (CI) gains nothing from it: E2E=0 skips it there.
if (process.env.E2E === '0') {
  console.log('e2e suite skipped (E2E=0).');
  process.exit(0);
}

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.log(
    [
      '',
      `e2e suite SKIPPED: no Chromium at ${chromium}.`,
      'Install it with:  apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium/Chrome binary)',
      'Do not run `npx playwright install`: the suite drives the system Chromium.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const cli = join(process.cwd(), 'node_modules', '@playwright', 'test', 'cli.js');
const child = spawn(process.execPath, [cli, 'test', '-c', 'e2e/playwright.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
