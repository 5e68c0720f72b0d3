/**
 * `POST /api/ws`: the client→server channel. Body: a JSON object of at most 16 KiB with a `type`:
 * - `auth` `{ ownerId?, token, connectionId? }` — verifies `token`; with `connectionId` the live
 *   stream adopts its expiry (refresh without reconnecting). → `{ ok, expiresAt }`
 * - `ping` `{ connectionId? }` → `{ type: "pong", serverTime }`; also a `pong` frame on that stream.
 * - `request_metrics` `{ ownerId?, connectionId? }` → fresh metrics, also pushed to the owner's streams.
 * A `connectionId` of another owner is 403; one no live instance holds is 404; a stream held by
 * another instance gets the message through `cluster/stream-commands.ts`.
 */
import { z } from 'zod';
import { isAdmin, verifyToken, type TokenClaims } from '../../auth/jwt';
import { assertUserActive, resolveOwner } from '../../auth/owners';
import { authenticate } from '../../auth/request';
import { AppError } from '../../errors';
import { parseWith, readJson } from '../../http';
import { getDb, getRuntime, type Runtime } from '../../runtime';
import { instanceOf } from '../cluster/cluster';
import type { StreamCommand } from '../cluster/stream-commands';
import type { Connection } from '../hub/connection';

const id = z.union([z.string().max(20), z.number().int()]).optional();
const connectionId = z.string().min(1).max(64).optional();
const Auth = z.object({ type: z.literal('auth'), ownerId: id, token: z.string().min(1).max(8192), connectionId });
const Ping = z.object({ type: z.literal('ping'), ownerId: id, connectionId });
const RequestMetrics = z.object({ type: z.literal('request_metrics'), ownerId: id, connectionId });
const Envelope = z.object({ type: z.string().max(64) }).loose();

/** Handles one client message; returns the JSON body to answer with (status 200). `onType` learns the message's type once parsed. */
export async function handleClientMessage(req: Request, onType?: (type: string) => void): Promise<unknown> {
  const body = await readJson(req, Envelope);
  onType?.(body.type);
  const runtime = await getRuntime();
  const { hub } = runtime;
  const ownerParam = new URL(req.url).searchParams.get('ownerId');
  switch (body.type) {
    case 'auth': {
      const msg = parseWith(Auth, body);
      const claims = await verifyToken(msg.token);
      const target = await connectionFor(runtime, claims, msg.connectionId, msg.ownerId ?? ownerParam);
      if (target && 'local' in target) target.local.exp = claims.exp;
      else if (target) await route(runtime, target, claims, msg.connectionId!, 'auth', { exp: claims.exp });
      return { ok: true, expiresAt: claims.exp * 1000, ...(target && 'remote' in target ? { routed: true } : {}) };
    }
    case 'ping': {
      const msg = parseWith(Ping, body);
      const claims = await authenticate(req);
      const target = await connectionFor(runtime, claims, msg.connectionId, msg.ownerId ?? ownerParam);
      const serverTime = Date.now();
      if (target && 'local' in target) hub.sendFrame(target.local.ownerId, 'pong', { serverTime }, target.local.id);
      else if (target) await route(runtime, target, claims, msg.connectionId!, 'ping', { serverTime });
      return { type: 'pong', serverTime, ...(target && 'remote' in target ? { routed: true } : {}) };
    }
    case 'request_metrics': {
      const msg = parseWith(RequestMetrics, body);
      const claims = await authenticate(req);
      const target = await connectionFor(runtime, claims, msg.connectionId, msg.ownerId ?? ownerParam);
      const ownerId = target
        ? 'local' in target
          ? target.local.ownerId
          : target.ownerId
        : await resolveOwner(await getDb(), claims, str(msg.ownerId ?? ownerParam));
      runtime.metrics.invalidate(ownerId);
      const metrics = await runtime.metrics.get(ownerId);
      hub.pushMetrics(ownerId, metrics);
      // The stream it names is elsewhere: that instance recomputes and pushes to its streams too.
      if (target && 'remote' in target) await route(runtime, target, claims, msg.connectionId!, 'request_metrics', {});
      return { type: 'metrics_updated', ownerId: String(ownerId), timestamp: Date.now(), data: metrics };
    }
    default:
      throw new AppError(400, 'unknown_type', `Unknown message type "${body.type}"; expected auth, ping or request_metrics.`);
  }
}

const str = (v: string | number | null | undefined) => (v === null || v === undefined ? undefined : String(v));

/** Where a message's stream is: in this process, on another live instance, or none given. */
type Target = { local: Connection } | { remote: string; ownerId: number; admin: boolean } | undefined;

/**
 * The stream `connectionId` names, after checking the caller may act on its owner. A stream held
 * by another live instance (scale-out) is routed there; that instance checks the owner again.
 */
async function connectionFor(
  { hub, cluster }: Runtime,
  claims: TokenClaims,
  connectionId: string | undefined,
  ownerId: string | number | null | undefined,
): Promise<Target> {
  const db = await getDb();
  // Every message checks the user still exists; the role is the row's, not the token's.
  const admin = isAdmin(await assertUserActive(db, claims));
  if (!connectionId) {
    if (ownerId !== undefined && ownerId !== null) await resolveOwner(db, claims, String(ownerId));
    return undefined;
  }
  const conn = hub.connection(connectionId);
  if (!conn) {
    const at = instanceOf(connectionId);
    if (at && cluster && (await cluster.isLive(at))) return { remote: at, ownerId: await resolveOwner(db, claims, str(ownerId)), admin };
    throw new AppError(404, 'unknown_connection', 'No open stream has this connectionId.');
  }
  const allowed = await resolveOwner(db, claims, str(ownerId) ?? String(conn.ownerId));
  if (conn.ownerId !== allowed || (conn.userId !== claims.userId && !admin)) {
    throw new AppError(403, 'forbidden_connection', 'This connectionId belongs to another owner.');
  }
  return { local: conn };
}

/**
 * Has the instance holding the stream apply the message (a durable command it takes on its next
 * cluster tick) and resolves once it was applied there; its refusal or silence is the caller's
 * error, so `ok` is never answered for an effect that did not happen.
 */
async function route(
  { cluster }: Runtime,
  target: { remote: string; ownerId: number; admin: boolean },
  claims: TokenClaims,
  connectionId: string,
  op: StreamCommand['op'],
  extra: Pick<StreamCommand, 'exp' | 'serverTime'>,
) {
  const refused = await cluster!.send(target.remote, { op, connectionId, ownerId: target.ownerId, userId: claims.userId, admin: target.admin, ...extra });
  if (refused === 'unknown_connection') throw new AppError(404, 'unknown_connection', 'No open stream has this connectionId.');
  if (refused === 'forbidden_connection') throw new AppError(403, 'forbidden_connection', 'This connectionId belongs to another owner.');
  if (refused === 'timeout') throw new AppError(503, 'stream_unreachable', 'The instance holding this stream did not answer; retry.', { retryAfter: 1 });
}
