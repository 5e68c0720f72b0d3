/**
 * Client → server messages of the contract, sent as `POST /api/ws` with the same Bearer auth as
 * the stream: `auth` (verify a token; with `connectionId` the live stream adopts its expiry),
 * `ping` and `request_metrics`. The portal sent these over its WebSocket; here each is one request.
 */
import { errorFromResponse, toRealtimeError } from './errors';
import { streamUrl } from './sse-request';
import type { ClientMessage } from './types';

/** What `POST /api/ws` answers, by message type. */
export interface ClientReply {
  auth: { ok: true; expiresAt: number | string };
  ping: { type: 'pong'; serverTime: number };
  request_metrics: Record<string, unknown>;
}

/** Where and as whom a message is sent. */
export interface PostTarget {
  url: string;
  ownerId: string;
  token: string;
  fetch: typeof fetch;
  signal?: AbortSignal;
}

/**
 * Sends one client message. `ownerId` is added to the body (and the query) when the message has
 * none. Resolves with the JSON answer; rejects with a `RealtimeError` carrying the contract's code.
 */
export async function postClientMessage<M extends ClientMessage>(target: PostTarget, message: M): Promise<ClientReply[M['type']]> {
  const body = JSON.stringify({ ownerId: target.ownerId, ...message });
  let res: Response;
  try {
    res = await target.fetch(streamUrl(target.url, target.ownerId), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${target.token}` },
      body,
      cache: 'no-store',
      credentials: 'same-origin',
      signal: target.signal,
    });
  } catch (err) {
    throw toRealtimeError(err);
  }
  if (!res.ok) throw await errorFromResponse(res);
  return (await res.json()) as ClientReply[M['type']];
}
