/**
 * The Stripe webhook: tampered, forged, stale, future-dated, replayed, malformed, oversized, and
 * for bookings that do not exist. Anything that fails verification is a 400; a verified event is
 * always acknowledged with 200 (Stripe retries anything else for days), so a replay answers
 * `duplicate` and an unknown intent `ignored` — and neither changes a row.
 */
import { expect } from 'vitest';
import type { Attack } from '../http';
import { signWebhook, type World } from '../setup-data';

const PATH = '/api/hangarshare/webhook/stripe';
const now = () => Math.floor(Date.now() / 1000);

function event(type: string, intentId: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: `evt_adv_${Math.random().toString(36).slice(2)}`,
    object: 'event',
    type,
    created: now(),
    data: { object: { id: intentId, object: 'payment_intent', amount: 100, currency: 'brl', ...extra } },
  });
}

export function webhookAttacks(w: World): Attack[] {
  const { payload, signature, eventId } = w.paid;
  const intent = w.ownBooking.stripePaymentIntentId;
  const hook = (name: string, body: Attack['body'], sig: string | undefined, expect: Partial<Attack>): Attack => ({
    name,
    method: 'POST',
    path: PATH,
    headers: { 'content-type': 'application/json', ...(sig === undefined ? {} : { 'stripe-signature': sig }) },
    body,
    ...expect,
  });
  const invalid = { status: 400, error: 'invalid_signature' };
  const duplicate: Partial<Attack> = { status: 200, check: (b) => expect(b).toEqual({ received: true, duplicate: true }) };
  const ignored = (why: string): Partial<Attack> => ({ status: 200, check: (b) => expect(b).toMatchObject({ received: true, ignored: why }) });
  const failed = payload.replace('payment_intent.succeeded', 'payment_intent.payment_failed');
  const cancelBody = event('payment_intent.payment_failed', intent);
  const t = /t=(\d+)/.exec(signature)![1];

  return [
    hook('no Stripe-Signature header', payload, undefined, { status: 400, error: 'missing_signature' }),
    hook('an empty Stripe-Signature header', payload, '', { status: 400, error: 'missing_signature' }),
    hook('a garbage signature header', payload, 'garbage', invalid),
    hook('a signature of zeros', payload, `t=${now()},v1=${'0'.repeat(64)}`, invalid),
    hook('a v0 (test-mode) signature only', payload, signature.replace('v1=', 'v0='), invalid),
    hook('a signature header over 4 KiB', payload, `t=${now()},v1=${'a'.repeat(5000)}`, invalid),
    hook('signed with a guessed endpoint secret', cancelBody, signWebhook(cancelBody, { secret: 'whsec_guess' }), invalid),
    hook('tampered: the type changed to payment_failed, signature kept', failed, signature, invalid),
    hook('tampered: the amount changed, signature kept', payload.replace('32150', '1'), signature, invalid),
    hook('tampered: a byte of whitespace added, signature kept', `${payload} `, signature, invalid),
    hook('the signature moved to a new timestamp without re-signing', payload, signature.replace(`t=${t}`, `t=${now()}`), invalid),
    hook('stale: signed 301 s ago (a captured request replayed late)', cancelBody, signWebhook(cancelBody, { timestamp: now() - 301 }), invalid),
    hook('stale: signed a day ago', cancelBody, signWebhook(cancelBody, { timestamp: now() - 86_400 }), invalid),
    hook('future-dated: signed 10 minutes ahead', cancelBody, signWebhook(cancelBody, { timestamp: now() + 600 }), invalid),
    hook('a 300 KB body', `{"pad":"${'x'.repeat(300_000)}"}`, `t=${now()},v1=${'0'.repeat(64)}`, { status: 413, error: 'payload_too_large' }),
    hook('signed, but not JSON', 'not json', signWebhook('not json'), { status: 400, error: 'invalid_payload' }),
    hook('signed, but a JSON array', '[1,2]', signWebhook('[1,2]'), { status: 400, error: 'invalid_payload' }),
    hook('signed, but no data.object', '{"id":"evt_x","type":"payment_intent.succeeded"}', signWebhook('{"id":"evt_x","type":"payment_intent.succeeded"}'), {
      status: 400,
      error: 'invalid_payload',
    }),
    hook('replayed: the exact request that was applied', payload, signature, duplicate),
    hook('replayed: the same event re-signed now', payload, signWebhook(payload), duplicate),
    hook('replayed: the same event id, re-typed as payment_failed and re-signed', failed, signWebhook(failed), duplicate),
    hook(
      'replayed: the same event id, with a bigger amount, re-signed',
      payload.replace(/32150/g, '99999999'),
      signWebhook(payload.replace(/32150/g, '99999999')),
      duplicate,
    ),
    ...['payment_intent.succeeded', 'payment_intent.payment_failed'].map((type) => {
      const body = event(type, 'pi_does_not_exist_0000');
      return hook(`${type} for a booking that does not exist`, body, signWebhook(body), ignored('unknown_payment_intent'));
    }),
    (() => {
      const body = event('payment_intent.succeeded', "pi_x' OR '1'='1");
      // Refused by shape (Stripe ids are alphanumeric) before any query.
      return hook('an intent id with SQL in it', body, signWebhook(body), ignored('invalid_payment_intent'));
    })(),
    (() => {
      const body = event('charge.refunded', intent);
      return hook('an event type the server does not handle, for a real booking', body, signWebhook(body), ignored('unhandled_event_type'));
    })(),
    (() => {
      const body = event('payment_intent.succeeded', intent, { amount: -5 });
      return hook('a negative amount for a real booking', body, signWebhook(body), ignored('invalid_payment_intent'));
    })(),
    (() => {
      const body = JSON.stringify({ id: eventId, type: 'payment_intent.succeeded', data: { object: { id: 123 } } });
      return hook('an intent id that is not a string', body, signWebhook(body), ignored('invalid_payment_intent'));
    })(),
  ];
}
