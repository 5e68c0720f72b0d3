/**
 * The server goes away mid-session and comes back. This spec runs its own servers (not the
 * shared webServer): A on port 3110 over its own embedded database; A stops while the dashboard is
 * open; bookings then change through server B (port 3111) on the same database — the embedded
 * database admits one process at a time, so B is how "changes while A is down" happen; B stops and
 * A starts again. The page must reconnect by itself and show exactly the events it missed,
 * resumed from the event log with `Last-Event-ID`: each once, none lost, none repeated.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNTS, DAY_MS, HangarApi, stay } from './api';
import { expect, expectLive, normalize, serverMetrics, signIn, test } from './fixtures';
import { formatBRL } from '../lib/client/format';
import type { Launched } from '../test/support/servers';
import { ROOT, runId, startServer, STRIPE_WEBHOOK_SECRET } from './server';

const PORT_A = 3110;
const PORT_B = 3111;
const dir = () => `.data/e2e-${runId()}-restart`;
const quiet = () => undefined;

let serverA: Launched | undefined;
let serverB: Launched | undefined;
test.afterAll(async () => {
  for (const s of [serverA, serverB]) if (s) await s.stop();
  if (process.env.E2E_KEEP_DATA !== '1') rmSync(join(ROOT, dir()), { recursive: true, force: true });
});

test('the page reconnects by itself after a restart and shows exactly the events it missed', async ({ browser, consoleWatch }) => {
  test.setTimeout(300_000); // three server boots (embedded database, demo seed) and two drains: minutes on a busy machine
  // While A drains it refuses new streams with 503 (Retry-After), and while no server listens each
  // attempt fails; Chromium logs both as console errors. They are the scenario, not a fault.
  consoleWatch.allow(/status of 503 .*\/api\/ws|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET/);
  serverA = await startServer({ port: PORT_A, pgliteDir: dir(), log: quiet });
  const apiA = new HangarApi(`http://127.0.0.1:${PORT_A}`, STRIPE_WEBHOOK_SECRET);
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT_A}`, locale: 'pt-BR' });
  consoleWatch.watch(context);
  const page = await context.newPage();
  await signIn(page, ACCOUNTS.owner1);

  const [renter, admin] = await Promise.all([apiA.login(ACCOUNTS.renter), apiA.login(ACCOUNTS.admin)]);
  const ownerId = (await apiA.login(ACCOUNTS.owner1)).owners[0].id;
  const listings = await apiA.activeListings(admin.token, ownerId);
  const seen = await apiA.bookAny(renter.token, listings, stay(90 * DAY_MS, 1));
  await expect(page.locator(`[data-booking-id="${seen!.booking.id}"]`)).toBeVisible({ timeout: 2000 });

  const stopping = Date.now();
  await serverA.stop();
  test.info().annotations.push({ type: 'shutdown', description: `server A took ${Date.now() - stopping} ms to exit after SIGTERM` });
  await expect(page.getByTestId('connection-status')).not.toHaveAttribute('data-status', 'connected', { timeout: 10_000 });
  await expect(page.getByTestId('connection-status')).toHaveText('Desconectado - Tentando reconectar...');

  // Changes while A is down, through B on the same database.
  serverB = await startServer({ port: PORT_B, pgliteDir: dir(), log: quiet });
  const apiB = new HangarApi(`http://127.0.0.1:${PORT_B}`, STRIPE_WEBHOOK_SECRET);
  const renterB = await apiB.login(ACCOUNTS.renter);
  const missed1 = await apiB.bookAny(renterB.token, listings, stay(91 * DAY_MS, 2));
  const missed2 = await apiB.bookAny(renterB.token, listings, stay(92 * DAY_MS, 3));
  await serverB.stop();
  serverB = undefined;

  serverA = await startServer({ port: PORT_A, pgliteDir: dir(), log: quiet });
  const restarted = Date.now();
  await expectLive(page, 60_000); // by itself: nobody clicks "Reconectar"
  test.info().annotations.push({ type: 'reconnect', description: `live again ${Date.now() - restarted} ms after A answered` });
  for (const b of [missed1!.booking, missed2!.booking]) {
    const item = page.locator(`[data-booking-id="${b.id}"]`);
    await expect(item).toHaveCount(1);
    expect(normalize(await item.textContent())).toContain(normalize(formatBRL(b.totalPrice)));
  }
  await expect(page.getByTestId('booking-notification')).toHaveCount(3);
  const ownerToken = (await apiA.login(ACCOUNTS.owner1)).token;
  const m = await serverMetrics(apiA, ownerToken, ownerId);
  await expect(page.getByTestId('metric-revenue-today')).toHaveText(formatBRL(m.revenueToday));
  await context.close();
});
