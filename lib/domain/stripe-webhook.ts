/**
 * Verifying Stripe webhooks with the official SDK: `Stripe.webhooks.constructEvent` (the static
 * helper; no API key is needed to verify, and no request ever leaves this machine) checks the
 * `Stripe-Signature` HMAC over the raw body and the timestamp's age, then parses the event.
 * Everything that fails here is a 400 Stripe shows in its dashboard; an unset secret is a 503
 * (`webhook_not_configured`), which Stripe retries until the deployment is fixed.
 */
import Stripe from 'stripe';
import { z } from 'zod';
import { config } from '../config';
import { AppError, badRequest } from '../errors';

/** Largest webhook body read, bytes (Stripe's events are a few KiB). */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/** How old a signature's timestamp may be, seconds (Stripe's default). */
export const SIGNATURE_TOLERANCE_S = 300;

const MAX_SIGNATURE_HEADER = 4 * 1024;

/** A verified event, reduced to what the domain reads. */
export interface WebhookEvent {
  id: string;
  type: string;
  /** seconds since the epoch, as Stripe sends it */
  created?: number;
  /** `data.object`: for `payment_intent.*` events, the PaymentIntent */
  object: Record<string, unknown>;
}

const EventShape = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(100),
  created: z.number().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

/** The endpoint secret from the config; throws 503 `webhook_not_configured` when it is unset. */
export function webhookSecret(): string {
  const secret = config().STRIPE_WEBHOOK_SECRET?.trim();
  if (!secret) {
    throw new AppError(503, 'webhook_not_configured', 'STRIPE_WEBHOOK_SECRET is not set, so Stripe webhooks cannot be verified.');
  }
  return secret;
}

/** Turns the SDK's message into one that says what to fix. */
function explain(sdkMessage: string): string {
  if (/tolerance/i.test(sdkMessage)) {
    return `The Stripe-Signature timestamp is more than ${SIGNATURE_TOLERANCE_S} s away from now (a stale or replayed request).`;
  }
  if (/unable to extract/i.test(sdkMessage)) return 'The Stripe-Signature header is malformed (expected t=…,v1=…).';
  return 'No signature in Stripe-Signature matches this body and the endpoint secret.';
}

/**
 * Verifies `rawBody` (exactly as received) against `signature` and parses the event. Throws 400:
 * `missing_signature`, `invalid_signature` (malformed, stale, or wrong body/secret) or
 * `invalid_payload` (signed, but not a Stripe event).
 */
export function verifyStripeEvent(rawBody: string, signature: string | null, secret: string): WebhookEvent {
  if (!signature?.trim()) throw badRequest('missing_signature', 'The Stripe-Signature header is missing.');
  if (signature.length > MAX_SIGNATURE_HEADER) throw badRequest('invalid_signature', 'The Stripe-Signature header is too long.');
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, SIGNATURE_TOLERANCE_S);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) throw badRequest('invalid_signature', explain(err.message));
    throw badRequest('invalid_payload', 'The webhook body is not JSON.');
  }
  // The SDK only refuses timestamps too far in the past; one from the future is as suspect.
  const t = Number(/(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(signature)?.[1]);
  if (t * 1000 > Date.now() + SIGNATURE_TOLERANCE_S * 1000) throw badRequest('invalid_signature', explain('tolerance'));
  const parsed = EventShape.safeParse(event);
  if (!parsed.success) throw badRequest('invalid_payload', 'The webhook body is not a Stripe event (id, type, data.object).');
  const { id, type, created, data } = parsed.data;
  return { id, type, created, object: data.object };
}
