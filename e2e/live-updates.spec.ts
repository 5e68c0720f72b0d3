/**
 * Live updates through the real domain routes: a booking made through the API reaches the
 * dashboard as a notification and in the cards within a second; confirming, completing, paying
 * and a failed payment move revenue, bookings and occupancy exactly as the server computes them.
 */
import { formatBRL, formatInteger, formatPercent } from '../lib/client/format';
import { ACCOUNTS, DAY_MS, stay, type HangarApi, type Listing, type Login } from './api';
import { expect, normalize, serverMetrics, signIn, test } from './fixtures';
import type { Page } from '@playwright/test';

interface Actors {
  owner: Login;
  ownerId: number;
  renter: Login;
  admin: Login;
  listings: Listing[];
}

async function actors(api: HangarApi): Promise<Actors> {
  const [owner, renter, admin] = await Promise.all([api.login(ACCOUNTS.owner1), api.login(ACCOUNTS.renter), api.login(ACCOUNTS.admin)]);
  const ownerId = owner.owners[0].id;
  return { owner, ownerId, renter, admin, listings: await api.activeListings(admin.token, ownerId) };
}

/** The cards show exactly the server's current figures. */
async function expectCards(page: Page, api: HangarApi, a: Actors, timeout = 1000): Promise<Record<string, number>> {
  const m = await serverMetrics(api, a.owner.token, a.ownerId);
  await expect(page.getByTestId('metric-revenue-today')).toHaveText(formatBRL(m.revenueToday), { timeout });
  await expect(page.getByTestId('metric-bookings-today')).toHaveText(formatInteger(m.bookingsToday), { timeout });
  await expect(page.getByTestId('metric-occupancy')).toHaveText(formatPercent(m.occupancyRate, 0), { timeout });
  return m;
}

test('a booking made through the API shows up as a notification and in the cards within 1 s', async ({ page, api }) => {
  await signIn(page);
  const a = await actors(api);
  const before = await serverMetrics(api, a.owner.token, a.ownerId);
  const made = await api.bookAny(a.renter.token, a.listings, stay(20 * DAY_MS, 3));
  expect(made, 'some listing has room 20 days from now').not.toBeNull();
  const { booking, listing } = made!;
  const t0 = Date.now();

  const item = page.locator(`[data-testid="booking-notification"][data-booking-id="${booking.id}"]`);
  await expect(item).toBeVisible({ timeout: 1000 });
  await expect(page.getByTestId('metric-bookings-today')).toHaveText(formatInteger(before.bookingsToday + 1), { timeout: 1000 });
  await expect(page.getByTestId('metric-revenue-today')).toHaveText(formatBRL(before.revenueToday + booking.totalPrice), { timeout: 1000 });
  const elapsed = Date.now() - t0;
  test.info().annotations.push({ type: 'latency', description: `notification and cards updated ${elapsed} ms after the API answered` });
  expect(elapsed).toBeLessThan(1000);

  await expect(item).toContainText(listing.hangarNumber);
  await expect(item).toContainText(a.renter.user.name);
  await expect(item).toContainText('3 dias');
  expect(normalize(await item.textContent())).toContain(normalize(formatBRL(booking.totalPrice)));
  await expect(page.getByTestId('unread-count')).toHaveText('1');
  await page.getByTestId('clear-notifications').click();
  await expect(page.getByTestId('unread-count')).toHaveText('0');
  await expect(page.getByTestId('booking-notification')).toHaveCount(0);
});

test('confirm, pay, complete and a failed payment move revenue and occupancy', async ({ page, api }) => {
  await signIn(page);
  const a = await actors(api);
  const before = await serverMetrics(api, a.owner.token, a.ownerId);

  // A stay that began an hour ago occupies a spot right now.
  const made = await api.bookAny(a.renter.token, a.listings, stay(-3_600_000, 2));
  expect(made, 'some listing has a free spot right now').not.toBeNull();
  const { booking, listing } = made!;
  const occupancy = page.getByTestId('occupancy-notification');
  await expect(occupancy.first()).toContainText(listing.hangarNumber, { timeout: 1000 });
  await expect(occupancy.first()).toContainText('Ocupado');
  const [, used, total] = /(\d+)\/(\d+) vagas/.exec((await occupancy.first().textContent()) ?? '') ?? [];
  const afterCreate = await expectCards(page, api, a);
  expect(afterCreate.occupancyRate).toBeGreaterThan(before.occupancyRate);
  expect(afterCreate.revenueToday).toBeCloseTo(before.revenueToday + booking.totalPrice, 2);

  // The payment of a booking that is already confirmed is revenue already counted.
  await expect(api.pay(booking)).resolves.toMatchObject({ received: true, status: 'confirmed' });
  await expectCards(page, api, a);

  // Completing it frees the spot ("Liberado" once no spot of the hangar is taken).
  await api.setStatus(a.owner.token, booking.id, 'completed');
  await expect(occupancy).toHaveCount(2, { timeout: 1000 });
  await expect(occupancy.first()).toContainText(`${Number(used) - 1}/${total} vagas`);
  await expect(occupancy.first()).toContainText(Number(used) === 1 ? 'Liberado' : 'Ocupado');
  const afterComplete = await expectCards(page, api, a);
  expect(afterComplete.occupancyRate).toBeCloseTo(before.occupancyRate, 1);
  expect(afterComplete.revenueToday).toBeCloseTo(afterCreate.revenueToday, 2);

  // A failed payment cancels a booking: its revenue and its count go away again.
  const second = await api.bookAny(a.renter.token, a.listings, stay(40 * DAY_MS, 2));
  await expect(page.locator(`[data-booking-id="${second!.booking.id}"]`)).toBeVisible({ timeout: 1000 });
  await expect(api.pay(second!.booking, 'payment_intent.payment_failed')).resolves.toMatchObject({ status: 'cancelled' });
  const afterFail = await expectCards(page, api, a);
  expect(afterFail.revenueToday).toBeCloseTo(afterComplete.revenueToday, 2);
  expect(afterFail.bookingsToday).toBe(afterComplete.bookingsToday);
});
