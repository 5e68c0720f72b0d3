/**
 * End-to-end suite: Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) driven by
 * Playwright — `npx playwright install` is never needed — against a production build served on
 * port 3100 over a fresh embedded database (see server.ts). Run with `npm run test:e2e`.
 * The specs share one server and database, so they run one at a time.
 */
import { defineConfig } from '@playwright/test';
import { PORT, ROOT, runId } from './server';

runId(); // fixes E2E_RUN_ID in this process, so the workers inherit the same value

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { outputFolder: '../playwright-report', open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    viewport: { width: 1360, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    command: 'npx tsx e2e/web-server.ts',
    cwd: ROOT,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: 'pipe',
    stderr: 'pipe',
    // SIGTERM (not the default SIGKILL) lets web-server.ts stop the server and delete the run's database.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },
});
