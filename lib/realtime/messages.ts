/**
 * `POST /api/ws`: the client→server channel. Body: a JSON object of at most 16 KiB with a `type`:
 * - `auth` `{ ownerId?, token, connectionId? }` — verifies `token`; with `connectionId` the live
 *   stream adopts its expiry (refresh without reconnecting). → `{ ok, expiresAt }`
 * - `ping` `{ connectionId? }` → `{ type: "pong", serverTime }`; also a `pong` frame on that stream.
 * - `request_metrics` `{ ownerId?, connectionId? }` → fresh metrics, also pushed to the owner's streams.
 * A `connectionId` of another owner is 403; one this process does not hold is 404.
 */
import { z } from 'zod';
import { isAdmin, verifyToken, type TokenClaims } from '../auth/jwt';
import { resolveOwner } from '../auth/owners';
import { authenticate } from '../auth/request';
import { getDb } from '../db/client';
import { AppError } from '../errors';
import { parseWith, readJson } from '../http';
import type { Connection } from './connection';
import type { Hub } from './hub';
import { getHub, getMetricsSource } from './registry';

const id = z.union([z.string().max(20), z.number().int()]).optional();
const connectionId = z.string().min(1).max(64).optional();
const Auth = z.object({ type: z.literal('auth'), ownerId: id, token: z.string().min(1).max(8192), connectionId });
const Ping = z.object({ type: z.literal('ping'), ownerId: id, connectionId });
const RequestMetrics = z.object({ type: z.literal('request_metrics'), ownerId: id, connectionId });
const Envelope = z.object({ type: z.string().max(64) }).loose();

/** Handles one client message; returns the JSON body to answer with (status 200). */
export async function handleClientMessage(req: Request): Promise<unknown> {
  const body = await readJson(req, Envelope);
  const hub = await getHub();
  const ownerParam = new URL(req.url).searchParams.get('ownerId');
  switch (body.type) {
    case 'auth': {
      const msg = parseWith(Auth, body);
      const claims = await verifyToken(msg.token);
      const conn = await connectionFor(hub, claims, msg.connectionId, msg.ownerId ?? ownerParam);
      if (conn) conn.exp = claims.exp;
      return { ok: true, expiresAt: claims.exp * 1000 };
    }
    case 'ping': {
      const msg = parseWith(Ping, body);
      const claims = await authenticate(req);
      const conn = await connectionFor(hub, claims, msg.connectionId, msg.ownerId ?? ownerParam);
      const serverTime = Date.now();
      if (conn) hub.sendFrame(conn.ownerId, 'pong', { serverTime }, conn.id);
      return { type: 'pong', serverTime };
    }
    case 'request_metrics': {
      const msg = parseWith(RequestMetrics, body);
      const claims = await authenticate(req);
      const conn = await connectionFor(hub, claims, msg.connectionId, msg.ownerId ?? ownerParam);
      const ownerId = conn?.ownerId ?? (await resolveOwner(await getDb(), claims, str(msg.ownerId ?? ownerParam)));
      const source = getMetricsSource();
      source.invalidate(ownerId);
      const metrics = await source.get(ownerId);
      hub.pushMetrics(ownerId, metrics);
      return { type: 'metrics_updated', ownerId: String(ownerId), timestamp: Date.now(), data: metrics };
    }
    default:
      throw new AppError(400, 'unknown_type', `Unknown message type "${body.type}"; expected auth, ping or request_metrics.`);
  }
}

const str = (v: string | number | null | undefined) => (v === null || v === undefined ? undefined : String(v));

/** The stream `connectionId` names, after checking the caller may act on its owner. */
async function connectionFor(hub: Hub, claims: TokenClaims, connectionId: string | undefined, ownerId: string | number | null | undefined): Promise<Connection | undefined> {
  const db = await getDb();
  if (!connectionId) {
    if (ownerId !== undefined && ownerId !== null) await resolveOwner(db, claims, String(ownerId));
    return undefined;
  }
  const conn = hub.connection(connectionId);
  if (!conn) throw new AppError(404, 'unknown_connection', 'No open stream has this connectionId on this server.');
  const allowed = await resolveOwner(db, claims, str(ownerId) ?? String(conn.ownerId));
  if (conn.ownerId !== allowed || (conn.userId !== claims.userId && !isAdmin(claims))) {
    throw new AppError(403, 'forbidden_connection', 'This connectionId belongs to another owner.');
  }
  return conn;
}
