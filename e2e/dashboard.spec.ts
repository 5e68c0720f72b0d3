/**
 * Sign-in and the first look: the dashboard connects by itself and shows the seeded metrics,
 * exactly as the server computes them, with the chart and the listing counters. Also the
 * unhappy paths of the login page, and a screenshot for the README.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatBRL, formatInteger, formatPercent } from '../lib/client/format';
import { ACCOUNTS, DAY_MS, stay } from './api';
import { expect, normalize, serverMetrics, signIn, test } from './fixtures';
import { ROOT } from './server';

test('an owner signs in; the dashboard connects by itself and shows the seeded metrics', async ({ page, api }, testInfo) => {
  await signIn(page, ACCOUNTS.owner1);
  await expect(page.getByTestId('dashboard-owner')).toHaveText('Almeida Hangares Ltda');
  const login = await api.login(ACCOUNTS.owner1);
  const m = await serverMetrics(api, login.token, login.owners[0].id);
  expect(m.bookingsToday).toBeGreaterThan(0); // the seed books something every day
  await expect(page.getByTestId('metric-revenue-today')).toHaveText(normalize(formatBRL(m.revenueToday)).replace(' ', '\u00a0'));
  await expect(page.getByTestId('metric-bookings-today')).toHaveText(formatInteger(m.bookingsToday));
  await expect(page.getByTestId('metric-occupancy')).toHaveText(formatPercent(m.occupancyRate, 0));
  await expect(page.getByTestId('metric-growth')).toHaveText(formatPercent(m.growthPercentage, 1, true));
  await expect(page.getByTestId('chart-bar')).toHaveCount(12);
  await expect(page.getByTestId('listings-active')).toContainText(String((m.listingsByStatus as unknown as Record<string, number>).active));
  await expect(page.getByTestId('last-update')).toHaveText(/^Atualizado às \d{2}:\d{2}:\d{2}$/);
  await expect(page.getByTestId('reconnect-button')).toHaveCount(0);
  await expect(page.getByTestId('unread-count')).toHaveText('0');

  // A little live traffic, so the screenshot shows notifications too.
  const [renter, admin] = await Promise.all([api.login(ACCOUNTS.renter), api.login(ACCOUNTS.admin)]);
  const listings = await api.activeListings(admin.token, login.owners[0].id);
  for (const when of [stay(12 * DAY_MS, 4), stay(-2 * 3_600_000, 3), stay(5 * DAY_MS, 2)]) await api.bookAny(renter.token, listings, when);
  await expect(page.getByTestId('booking-notification')).toHaveCount(3);
  await expect(page.getByTestId('occupancy-notification')).toHaveCount(1);

  const shot = testInfo.outputPath('dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('dashboard', { path: shot, contentType: 'image/png' });
  if (process.env.E2E_DOCS_SCREENSHOT === '1') {
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    copyFileSync(shot, join(ROOT, 'docs', 'dashboard.png'));
  }
});

test('a wrong password shows an error and stays on /login', async ({ page, consoleWatch }) => {
  // Chromium logs every 4xx response as a console error; this 401 is the point of the test.
  consoleWatch.allow(/status of 401 .*\/api\/auth\/login/);
  await page.goto('/login');
  await page.getByTestId('login-email').fill(ACCOUNTS.owner1.email);
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toHaveText('E-mail ou senha incorretos.');
  await expect(page).toHaveURL(/\/login$/);
});

test('the demo accounts fill the form', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByTestId('demo-account')).toHaveCount(4);
  await page.getByTestId('demo-account').nth(1).click();
  await expect(page.getByTestId('login-email')).toHaveValue(ACCOUNTS.owner2.email);
  await page.getByTestId('login-submit').click();
  await page.waitForURL('**/hangarshare/owner/dashboard');
  await expect(page.getByTestId('dashboard-owner')).toHaveText('Costa Aviação Executiva');
});

test('without a token the dashboard sends the visitor to /login; signing out does too', async ({ page }) => {
  await page.goto('/hangarshare/owner/dashboard');
  await page.waitForURL('**/login');
  await signIn(page);
  await page.getByTestId('logout').click();
  await page.waitForURL('**/login');
  expect(await page.evaluate(() => localStorage.getItem('token'))).toBeNull();
});
