/**
 * Checkout with Stripe, end to end in the browser: the real `stripe` SDK inside the server talks to
 * a local Stripe stand-in (STRIPE_API_BASE), so this spec runs its own server (port 3120, its own
 * embedded database) with a Stripe key. booking/confirm → a PaymentIntent created at "Stripe"
 * (amount in cents, BRL, metadata) → the owner's dashboard shows the booking and the revenue →
 * the card is charged and the signed `payment_intent.succeeded` arrives → booking/cancel → a
 * refund requested at "Stripe" → the dashboard shows the cancellation and the revenue without it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatBRL } from '../lib/client/format';
import type { Launched } from '../test/support/servers';
import { StripeStandIn } from '../test/support/stripe-stand-in';
import { ACCOUNTS, DAY_MS, HangarApi, stay } from './api';
import { expect, serverMetrics, signIn, test } from './fixtures';
import { PORT as SUITE_PORT, ROOT, runId, startServer, STRIPE_WEBHOOK_SECRET } from './server';

// Its own server (with the Stripe stand-in), beside the suite's.
const PORT = SUITE_PORT + 20;
const dir = () => `.data/e2e-${runId()}-checkout`;
const stripe = new StripeStandIn();
let server: Launched | undefined;

test.afterAll(async () => {
  await server?.stop();
  await stripe.stop();
  if (process.env.E2E_KEEP_DATA !== '1') rmSync(join(ROOT, dir()), { recursive: true, force: true });
});

test('checkout: the PaymentIntent is created at Stripe, the dashboard shows the booking and its revenue; a cancellation is refunded and the dashboard follows', async ({
  browser,
  consoleWatch,
}) => {
  test.setTimeout(240_000);
  await stripe.start();
  server = await startServer({
    port: PORT,
    pgliteDir: dir(),
    log: () => undefined,
    env: { STRIPE_SECRET_KEY: 'sk_test_e2e_checkout', STRIPE_API_BASE: stripe.url },
  });
  const api = new HangarApi(`http://127.0.0.1:${PORT}`, STRIPE_WEBHOOK_SECRET);
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT}`, locale: 'pt-BR' });
  consoleWatch.watch(context);
  const page = await context.newPage();
  await signIn(page, ACCOUNTS.owner1);

  const [owner, renter, admin] = await Promise.all([api.login(ACCOUNTS.owner1), api.login(ACCOUNTS.renter), api.login(ACCOUNTS.admin)]);
  const ownerId = owner.owners[0].id;
  const listings = await api.activeListings(admin.token, ownerId);
  const before = await serverMetrics(api, owner.token, ownerId);

  // 1. booking/confirm: the server creates the PaymentIntent through the SDK.
  const made = await api.bookAny(renter.token, listings, stay(40 * DAY_MS, 2));
  expect(made, 'some listing has room 40 days from now').not.toBeNull();
  const { booking, listing } = made!;
  const [create] = stripe.callsTo('POST', /^\/v1\/payment_intents$/);
  expect(create.params).toMatchObject({
    amount: String(Math.round(booking.totalPrice * 100)),
    currency: 'brl',
    metadata: { hangarId: String(listing.id), userId: String(renter.user.id), nights: '2' },
  });
  const intent = stripe.intents.get(booking.stripePaymentIntentId);
  expect(intent, 'the booking carries the intent Stripe created').toBeDefined();

  // 2. The dashboard shows the booking and the revenue it brings today.
  const item = page.locator(`[data-testid="booking-notification"][data-booking-id="${booking.id}"]`);
  await expect(item).toBeVisible();
  await expect(page.getByTestId('metric-revenue-today')).toHaveText(formatBRL(before.revenueToday + booking.totalPrice));

  // 3. The card is charged; Stripe posts the signed event.
  stripe.succeed(intent!.id);
  expect(await api.pay(booking)).toMatchObject({ received: true });

  // 4. The renter cancels: a refund is requested at Stripe; the dashboard drops the revenue.
  const cancelled = await api.cancel(renter.token, booking.id, 'Viagem adiada');
  const [refund] = stripe.callsTo('POST', /^\/v1\/refunds$/);
  expect(refund.params).toMatchObject({ payment_intent: intent!.id, amount: String(Math.round(cancelled.refundAmount * 100)) });
  expect(cancelled.refundAmount).toBeGreaterThan(0);
  const after = await serverMetrics(api, owner.token, ownerId);
  expect(after.revenueToday).toBeCloseTo(before.revenueToday, 2);
  await expect(page.getByTestId('metric-revenue-today')).toHaveText(formatBRL(after.revenueToday));
  await context.close();
});
