/**
 * `POST /api/hangarshare/webhook/stripe` — Stripe's calls. No user token: the `Stripe-Signature`
 * header, verified over the raw body, is the authentication.
 */
import { readText } from '@/lib/http';
import { handleStripeEvent } from '@/lib/domain/payments';
import { MAX_WEBHOOK_BYTES, verifyStripeEvent, webhookSecret } from '@/lib/domain/stripe-webhook';
import { portalErrorResponse } from '@/lib/domain/portal-errors';
import { WEBHOOK_ERRORS } from '@/lib/domain/portal-routes';
import { withRequestLog } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';
/** The SDK's synchronous verifier needs Node's crypto. */
export const runtime = 'nodejs';

/**
 * 200 `{ received: true, … }` for every verified event (`duplicate`, `ignored` say why nothing
 * changed); 400 `{ error: "Invalid signature", code }` (`missing_signature` / `invalid_signature`;
 * `invalid_payload` for a signed body that is no event); 413 over 256 KiB; 503
 * `webhook_not_configured` when STRIPE_WEBHOOK_SECRET is unset; 500 `Webhook handler failed`.
 */
export const POST = withRequestLog(async (req: Request): Promise<Response> => {
  try {
    const secret = webhookSecret();
    // The raw text, never req.json(): the signature covers the exact bytes Stripe sent.
    const rawBody = await readText(req, MAX_WEBHOOK_BYTES);
    const event = verifyStripeEvent(rawBody, req.headers.get('stripe-signature'), secret);
    return Response.json(await handleStripeEvent(event));
  } catch (err) {
    return portalErrorResponse(err, WEBHOOK_ERRORS);
  }
});
