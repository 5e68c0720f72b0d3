/**
 * Token expiry. With a fresh token available (here: a re-login in another tab put it in
 * localStorage, which is what the dashboard's `getToken` reads), the client hands it to the live
 * stream before the old one expires — the page never leaves "Conectado". Without one, the page
 * says the session expired and offers "Reconectar", which works once a new token exists.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { mintToken } from '../test/support/tokens';
import { ACCOUNTS, DAY_MS, stay, type Login } from './api';
import { expect, expectLive, seedSession, test } from './fixtures';
import { JWT_SECRET } from './server';

/** Records every value the connection status takes, from the moment it is installed. */
async function recordStatuses(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="connection-status"]')!;
    const seen: string[] = [el.getAttribute('data-status') ?? ''];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    new MutationObserver(() => seen.push(el.getAttribute('data-status') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-status'] });
  });
  return () => page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
}

async function openWithShortToken(context: BrowserContext, page: Page, login: Login, seconds: number): Promise<string> {
  const token = await mintToken(login.user, { secret: JWT_SECRET, expiresIn: seconds });
  await seedSession(context, { ...login, token });
  await page.goto('/hangarshare/owner/dashboard');
  await expectLive(page);
  return token;
}

test('a token about to expire is refreshed silently through getToken; the stream never drops', async ({ page, context, api }) => {
  test.setTimeout(60_000);
  const login = await api.login(ACCOUNTS.owner1);
  await openWithShortToken(context, page, login, 8);
  const statuses = await recordStatuses(page);
  await page.evaluate((t) => localStorage.setItem('token', t), login.token); // another tab signed in again

  await page.waitForTimeout(10_000); // past the short token's expiry
  const [renter, admin] = await Promise.all([api.login(ACCOUNTS.renter), api.login(ACCOUNTS.admin)]);
  const listings = await api.activeListings(admin.token, login.owners[0].id);
  const made = await api.bookAny(renter.token, listings, stay(80 * DAY_MS, 2));
  await expect(page.locator(`[data-booking-id="${made!.booking.id}"]`)).toBeVisible({ timeout: 2000 });
  expect(await statuses()).toEqual(['connected']);
});

test('without a new token the page reports the expiry, and "Reconectar" recovers once there is one', async ({ page, context, api, consoleWatch }) => {
  test.setTimeout(60_000);
  // The first reconnect still carries the expired token: Chromium logs that expected 401.
  consoleWatch.allow(/status of 401 .*\/api\/ws/);
  const login = await api.login(ACCOUNTS.owner1);
  await openWithShortToken(context, page, login, 4);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'disconnected', { timeout: 10_000 });
  await expect(page.getByTestId('connection-status')).toContainText('sessão expirada');

  await page.evaluate((t) => localStorage.setItem('token', t), login.token);
  await page.getByTestId('reconnect-button').click();
  await expectLive(page);
});
