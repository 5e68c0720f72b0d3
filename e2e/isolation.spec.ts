/**
 * Owners never see each other's events: two owners signed in in two browser contexts, bookings
 * made for each, and each dashboard shows its own and nothing of the other's.
 */
import { ACCOUNTS, DAY_MS, stay } from './api';
import { BASE_URL, expect, signIn, test } from './fixtures';

test("two owners in two browsers never see each other's events", async ({ browser, api, consoleWatch }) => {
  const ctxA = await browser.newContext({ baseURL: BASE_URL, locale: 'pt-BR' });
  const ctxB = await browser.newContext({ baseURL: BASE_URL, locale: 'pt-BR' });
  consoleWatch.watch(ctxA);
  consoleWatch.watch(ctxB);
  const [pageA, pageB] = [await ctxA.newPage(), await ctxB.newPage()];
  await signIn(pageA, ACCOUNTS.owner1);
  await signIn(pageB, ACCOUNTS.owner2);

  const [owner1, owner2, renter, admin] = await Promise.all([
    api.login(ACCOUNTS.owner1),
    api.login(ACCOUNTS.owner2),
    api.login(ACCOUNTS.renter),
    api.login(ACCOUNTS.admin),
  ]);
  const listings1 = await api.activeListings(admin.token, owner1.owners[0].id);
  const listings2 = await api.activeListings(admin.token, owner2.owners[0].id);

  const forA = await api.bookAny(renter.token, listings1, stay(60 * DAY_MS, 2));
  await expect(pageA.locator(`[data-booking-id="${forA!.booking.id}"]`)).toBeVisible({ timeout: 2000 });
  const forB = await api.bookAny(renter.token, listings2, stay(61 * DAY_MS, 2));
  await expect(pageB.locator(`[data-booking-id="${forB!.booking.id}"]`)).toBeVisible({ timeout: 2000 });
  // Give a stray cross-owner event time to arrive before checking it did not.
  await pageA.waitForTimeout(1500);

  await expect(pageA.getByTestId('booking-notification')).toHaveCount(1);
  await expect(pageB.getByTestId('booking-notification')).toHaveCount(1);
  await expect(pageA.locator(`[data-booking-id="${forB!.booking.id}"]`)).toHaveCount(0);
  await expect(pageB.locator(`[data-booking-id="${forA!.booking.id}"]`)).toHaveCount(0);
  await ctxA.close();
  await ctxB.close();
});

test("a token may not open another owner's stream", async ({ api }) => {
  const owner1 = await api.login(ACCOUNTS.owner1);
  const owner2 = await api.login(ACCOUNTS.owner2);
  const res = await fetch(`${BASE_URL}/api/ws?ownerId=${owner2.owners[0].id}`, {
    headers: { Authorization: `Bearer ${owner1.token}`, Accept: 'text/event-stream' },
  });
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ error: 'forbidden_owner' });
});
