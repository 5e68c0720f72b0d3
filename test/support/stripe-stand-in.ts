/**
 * A local stand-in for the few Stripe API endpoints this service calls, for tests that run the
 * real `stripe` SDK against it (STRIPE_API_BASE): `POST /v1/payment_intents`,
 * `GET /v1/payment_intents/:id`, `POST /v1/payment_intents/:id/cancel`, `POST /v1/refunds`.
 * It answers in Stripe's JSON shapes, records every request (method, path, decoded form body,
 * headers) for the test to check what the SDK sent, and lets a test mark an intent paid or make
 * the next call fail.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in received it. */
export interface StripeCall {
  method: string;
  path: string;
  /** The form body decoded into nested objects/arrays (`metadata[a]=1` → `{ metadata: { a: '1' } }`). */
  params: Record<string, any>;
  headers: Record<string, string | undefined>;
}

export interface StandInIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  description: string | null;
  receipt_email: string | null;
  latest_charge: string | null;
  created: number;
}

/** `a[b][0]=x` form fields → nested objects, arrays for numeric keys. */
export function decodeForm(body: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter(Boolean);
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      node[part] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
      node = node[part];
    });
  }
  return out;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });

export class StripeStandIn {
  readonly calls: StripeCall[] = [];
  readonly intents = new Map<string, StandInIntent>();
  readonly refunds: Record<string, any>[] = [];
  private server?: Server;
  private failures: { match: RegExp; status: number; body: unknown }[] = [];
  private n = 0;

  /** `http://127.0.0.1:<port>`, for STRIPE_API_BASE. */
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = (req.url ?? '').split('?')[0];
      const call: StripeCall = { method: req.method ?? 'GET', path, params: decodeForm(body), headers: req.headers as Record<string, string> };
      this.calls.push(call);
      const answer = this.handle(call);
      res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_${++this.n}` });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next request whose `METHOD path` matches gets this error (once). */
  failNext(match: RegExp, status = 500, body: unknown = { error: { type: 'api_error', message: 'stand-in failure' } }): void {
    this.failures.push({ match, status, body });
  }

  /** What Stripe would do when the card is charged: the intent succeeds, with a charge. */
  succeed(id: string): StandInIntent {
    const pi = this.intents.get(id);
    if (!pi) throw new Error(`no intent ${id}`);
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: `ch_${id.slice(3)}` });
    return pi;
  }

  callsTo(method: string, path: RegExp): StripeCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  private handle(call: StripeCall): { status: number; body: unknown } {
    const key = `${call.method} ${call.path}`;
    const failure = this.failures.findIndex((f) => f.match.test(key));
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return { status: f.status, body: f.body };
    }
    if (call.method === 'POST' && call.path === '/v1/payment_intents') return { status: 200, body: this.create(call.params) };
    const m = /^\/v1\/payment_intents\/([^/]+)(\/cancel)?$/.exec(call.path);
    if (m) {
      const pi = this.intents.get(m[1]);
      if (!pi)
        return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${m[1]}'` } } };
      if (m[2] && call.method === 'POST') pi.status = 'canceled';
      return { status: 200, body: pi };
    }
    if (call.method === 'POST' && call.path === '/v1/refunds') {
      const pi = this.intents.get(call.params.payment_intent);
      if (pi?.status !== 'succeeded')
        return { status: 400, body: { error: { type: 'invalid_request_error', message: 'This PaymentIntent has no successful charge to refund.' } } };
      const refund = {
        id: `re_test_${++this.n}`,
        object: 'refund',
        amount: Number(call.params.amount ?? pi.amount),
        currency: pi.currency,
        payment_intent: pi.id,
        reason: call.params.reason ?? null,
        status: 'succeeded',
      };
      this.refunds.push(refund);
      return { status: 200, body: refund };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${call.method}: ${call.path})` } } };
  }

  private create(p: Record<string, any>): StandInIntent {
    const id = `pi_test_${++this.n}`;
    const pi: StandInIntent = {
      id,
      object: 'payment_intent',
      amount: Number(p.amount),
      amount_received: 0,
      currency: p.currency,
      status: 'requires_payment_method',
      client_secret: `${id}_secret_${this.n}`,
      metadata: p.metadata ?? {},
      description: p.description ?? null,
      receipt_email: p.receipt_email ?? null,
      latest_charge: null,
      created: Math.floor(Date.now() / 1000),
    };
    this.intents.set(id, pi);
    return pi;
  }
}
