/**
 * Ten tabs of one owner in one browser share one stream (Web Locks + BroadcastChannel): all ten
 * are live, the server sees a single connection, every tab gets every event; closing a follower
 * changes nothing for the others; closing the leader hands the stream to another tab, which
 * resumes from the last event id, so an event made during the handover still reaches every tab.
 */
import type { Page } from '@playwright/test';
import { ACCOUNTS, DAY_MS, stay, type HangarApi } from './api';
import { expect, expectLive, signIn, test } from './fixtures';

const TABS = 10;

async function streamsOf(api: HangarApi, adminToken: string, ownerId: number): Promise<number> {
  const stats = await api.request<{ perOwner: Record<string, number> }>('GET', '/api/ws/stats', { token: adminToken });
  return stats.perOwner[String(ownerId)] ?? 0;
}

async function expectEverywhere(pages: Page[], bookingId: number, timeout = 3000): Promise<void> {
  await Promise.all(pages.map((p) => expect(p.locator(`[data-booking-id="${bookingId}"]`)).toBeVisible({ timeout })));
}

test('ten tabs of one owner are live on one stream; closing the leader hands over without losing events', async ({ page, context, api }) => {
  test.setTimeout(120_000);
  await signIn(page, ACCOUNTS.owner1);
  const pages = [page];
  for (let i = 1; i < TABS; i++) {
    const p = await context.newPage();
    await p.goto('/hangarshare/owner/dashboard');
    pages.push(p);
  }
  await Promise.all(pages.map((p) => expectLive(p)));

  const [owner, renter, admin] = await Promise.all([api.login(ACCOUNTS.owner1), api.login(ACCOUNTS.renter), api.login(ACCOUNTS.admin)]);
  const ownerId = owner.owners[0].id;
  const listings = await api.activeListings(admin.token, ownerId);
  await expect.poll(() => streamsOf(api, admin.token, ownerId), { message: 'one stream serves all ten tabs' }).toBe(1);

  const first = await api.bookAny(renter.token, listings, stay(70 * DAY_MS, 1));
  await expectEverywhere(pages, first!.booking.id);

  // A follower leaving changes nothing for the others.
  await pages[5].close();
  pages.splice(5, 1);
  const second = await api.bookAny(renter.token, listings, stay(71 * DAY_MS, 1));
  await expectEverywhere(pages, second!.booking.id);

  // The leader (the first tab: it asked for the lock first) leaves; a booking lands during the handover.
  await pages[0].close();
  pages.shift();
  const during = await api.bookAny(renter.token, listings, stay(72 * DAY_MS, 1));
  await Promise.all(pages.map((p) => expectLive(p)));
  await expectEverywhere(pages, during!.booking.id, 10_000);
  const after = await api.bookAny(renter.token, listings, stay(73 * DAY_MS, 1));
  await expectEverywhere(pages, after!.booking.id);
  await expect.poll(() => streamsOf(api, admin.token, ownerId), { message: 'still one stream after the handover' }).toBe(1);

  // Each booking shows exactly once per tab: the resume repeated nothing.
  for (const p of pages) await expect(p.getByTestId('booking-notification')).toHaveCount(4);
});
