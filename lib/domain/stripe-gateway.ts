/**
 * The one gateway to Stripe's API, through the official SDK. With `STRIPE_SECRET_KEY` set every
 * call goes to Stripe — or, with `STRIPE_API_BASE`, to the base URL it names (the SDK's `host`,
 * `port` and `protocol` options; the tests point it at a local stand-in). Without a key the
 * service runs in an explicit *local payment mode* (the demo): PaymentIntents and refunds get local
 * ids (`pi_local_…`, `re_local_…`), `clientSecret` is null, and nothing leaves the machine.
 *
 * Stripe's own failures are 502 `payment_provider_error`: callers make them inside the database
 * transaction of the change, so the change rolls back and a retry starts over.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { config } from '../config';
import { AppError } from '../errors';
import { logger } from '../observability/logger';

/** `stripe` with a secret key, `local` without (see the file comment). */
export type PaymentMode = 'stripe' | 'local';

export const paymentMode = (): PaymentMode => (config().STRIPE_SECRET_KEY?.trim() ? 'stripe' : 'local');

/** The boot line that says which mode payments run in. */
export function describePaymentMode(): string {
  const c = config();
  if (paymentMode() === 'local') {
    return '[payments] STRIPE_SECRET_KEY is not set: local payment mode (PaymentIntents pi_local_…, payment.clientSecret null, no call to Stripe)';
  }
  return `[payments] Stripe via the official SDK${c.STRIPE_API_BASE ? ` at ${c.STRIPE_API_BASE}` : ''}`;
}

const g = globalThis as { __hangarStripe?: { key: string; base?: string; client: Stripe } };

/** The SDK client for the configured key and base URL (null in local mode). */
export function stripeClient(): Stripe | null {
  const c = config();
  const key = c.STRIPE_SECRET_KEY?.trim();
  if (!key) return null;
  if (g.__hangarStripe?.key === key && g.__hangarStripe.base === c.STRIPE_API_BASE) return g.__hangarStripe.client;
  const base = c.STRIPE_API_BASE ? new URL(c.STRIPE_API_BASE) : undefined;
  const client = new Stripe(key, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base && {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
  g.__hangarStripe = { key, base: c.STRIPE_API_BASE, client };
  return client;
}

/** True for ids this service made up in local mode (or the demo seed's): Stripe never saw them. */
export const isLocalIntent = (id: string) => /^pi_(local|demo)_/.test(id);

const localId = (prefix: string) => `${prefix}_local_${randomBytes(12).toString('hex')}`;

/** Wraps an SDK failure: the provider failed, not the client. */
function providerError(err: unknown, what: string): AppError {
  const e = err as { type?: string; code?: string; message?: string };
  logger().error({ stripeError: e?.type ?? 'error', code: e?.code, detail: e?.message?.slice(0, 300) }, `Stripe ${what} failed`);
  return new AppError(502, 'payment_provider_error', `The payment provider failed to ${what}; nothing was changed, try again.`);
}

/** What `booking/confirm` asks Stripe for (the portal's parameters). */
export interface IntentRequest {
  amountCents: number;
  receiptEmail: string;
  description: string;
  metadata: Record<string, string>;
}

export interface IntentRef {
  id: string;
  clientSecret: string | null;
  status: string;
}

/** `paymentIntents.create` in BRL for cards, or a local intent. */
export async function createPaymentIntent(req: IntentRequest): Promise<IntentRef> {
  const stripe = stripeClient();
  if (!stripe) return { id: localId('pi'), clientSecret: null, status: 'local' };
  try {
    const pi = await stripe.paymentIntents.create({
      amount: req.amountCents,
      currency: 'brl',
      // The portal's `payment_method_types: ['card']`, as the SDK's pinned API version names it.
      allowed_payment_method_types: ['card'],
      metadata: req.metadata,
      description: req.description,
      receipt_email: req.receiptEmail,
    });
    return { id: pi.id, clientSecret: pi.client_secret, status: pi.status };
  } catch (err) {
    throw providerError(err, 'create the payment');
  }
}

/** `paymentIntents.retrieve`; a local intent answers itself. */
export async function retrievePaymentIntent(id: string): Promise<IntentRef> {
  const stripe = stripeClient();
  if (!stripe || isLocalIntent(id)) return { id, clientSecret: null, status: 'local' };
  try {
    const pi = await stripe.paymentIntents.retrieve(id);
    return { id: pi.id, clientSecret: pi.client_secret, status: pi.status };
  } catch (err) {
    throw providerError(err, 'find the payment');
  }
}

/** A refund as recorded in `booking_refunds`. */
export interface RefundRef {
  refundId: string | null;
  /** BRL actually refunded (0 when the intent was never paid). */
  amount: number;
  /** Stripe's refund status, `local`, or `not_paid` (the intent was cancelled instead). */
  status: string;
}

const CANCELABLE = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture']);

/**
 * Settles a cancelled booking's payment: refunds `amountCents` when the intent was paid (one refund
 * per booking: the idempotency key is the booking's), or cancels an unpaid intent so it can no
 * longer be paid. A local intent gets a local refund.
 */
export async function settlePayment(intentId: string, amountCents: number, bookingId: number): Promise<RefundRef> {
  const stripe = stripeClient();
  if (!stripe || isLocalIntent(intentId)) {
    return amountCents > 0 ? { refundId: localId('re'), amount: amountCents / 100, status: 'local' } : { refundId: null, amount: 0, status: 'local' };
  }
  const intent = await retrievePaymentIntent(intentId);
  if (intent.status !== 'succeeded') {
    if (CANCELABLE.has(intent.status)) {
      try {
        await stripe.paymentIntents.cancel(intentId);
      } catch (err) {
        throw providerError(err, 'cancel the unpaid payment');
      }
    }
    return { refundId: null, amount: 0, status: 'not_paid' };
  }
  if (amountCents <= 0) return { refundId: null, amount: 0, status: 'none_due' };
  try {
    const refund = await stripe.refunds.create(
      { payment_intent: intentId, amount: amountCents, reason: 'requested_by_customer' },
      { idempotencyKey: `hangarshare-refund-booking-${bookingId}` },
    );
    return { refundId: refund.id, amount: refund.amount / 100, status: refund.status ?? 'pending' };
  } catch (err) {
    throw providerError(err, 'refund the payment');
  }
}
