/**
 * What instances sharing one PostgreSQL know of each other. Each instance upserts a presence row
 * (`realtime_instances`) every `PRESENCE_EVERY_MS` with its per-owner stream counts, and keeps the
 * other live instances' counts in memory, so the per-owner cap is cluster-wide with no query per
 * stream. Client messages for a stream held elsewhere travel on a NOTIFY control channel to the
 * instance named in the `connectionId` (`<instanceId>~<uuid>`), which checks them again, applies
 * them and answers on the same channel; the sender reports success only on that answer.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { realtimeInstances } from '../../db/schema';
import { dbFailed } from '../../observability/db-errors';
import { logger } from '../../observability/logger';
import type { Hub } from '../hub/hub';

export const CONTROL_CHANNEL = 'hangarshare_control';
export const PRESENCE_EVERY_MS = 3_000;
/** An instance silent for this long is considered gone. */
export const PRESENCE_TTL_MS = 12_000;

/** The instance a connection id belongs to. */
export const instanceOf = (connectionId: string): string | undefined => connectionId.split('~', 1)[0] || undefined;

/** How long a routed client message waits for the holding instance's answer, ms. */
export const CONTROL_REPLY_TIMEOUT_MS = 3_000;

/** Why the holding instance did not apply a routed message. */
export type ControlRefusal = 'unknown_connection' | 'forbidden_connection';

/** A client message routed to the instance holding the stream; checked again there. */
export interface ControlMessage {
  to: string;
  op: 'auth' | 'ping';
  /** The sender, to answer to, and this message's id. */
  from?: string;
  id?: string;
  connectionId: string;
  ownerId: number;
  userId: number;
  admin: boolean;
  exp?: number;
  serverTime?: number;
}

/** What the cluster needs of its instance. */
export interface ClusterHost {
  /** This instance's stats, published with its presence row (`perOwner` counts streams). */
  report(): { perOwner: Record<string, number> } & Record<string, unknown>;
  /** A client message another instance routed here: applied, or why not. */
  onControl(message: ControlMessage): ControlRefusal | undefined;
}

/** The holder's answer to a routed message. */
interface ControlReply {
  reply: string;
  to: string;
  refused?: ControlRefusal;
}

/** Applies a routed client message to the stream it names, after checking it again here. */
export function applyControlMessage(hub: Hub, m: ControlMessage): ControlRefusal | undefined {
  const conn = hub.connection(m.connectionId);
  if (!conn) return 'unknown_connection';
  if (conn.ownerId !== m.ownerId || (conn.userId !== m.userId && !m.admin)) return 'forbidden_connection';
  if (m.op === 'auth' && typeof m.exp === 'number') conn.exp = m.exp;
  if (m.op === 'ping') hub.sendFrame(conn.ownerId, 'pong', { serverTime: m.serverTime ?? Date.now() }, conn.id);
  return undefined;
}

export class Cluster {
  private others = new Map<string, { perOwner: Record<string, number>; stats: unknown }>();
  private timer?: ReturnType<typeof setInterval>;
  private stopListen?: () => Promise<void>;
  private readonly waiting = new Map<string, (answer: ControlRefusal | 'timeout' | undefined) => void>();

  constructor(
    private readonly database: Database,
    private readonly instanceId: string,
    private readonly host: ClusterHost,
  ) {}

  async start(): Promise<void> {
    this.stopListen = await this.database.listen(CONTROL_CHANNEL, (payload) => this.onControl(payload));
    await this.beat();
    this.timer = setInterval(() => void this.beat(), PRESENCE_EVERY_MS);
    this.timer.unref();
  }

  /** Streams of `ownerId` held by the other live instances (as of their last heartbeat). */
  remoteCount(ownerId: number): number {
    let n = 0;
    for (const o of this.others.values()) n += o.perOwner[ownerId] ?? 0;
    return n;
  }

  /** Whether `id` is a live instance other than this one. */
  isLive(id: string): boolean {
    return this.others.has(id);
  }

  /** Every live instance's last reported stats, this one first. */
  async instances(): Promise<unknown[]> {
    return [{ instanceId: this.instanceId, ...this.host.report() }, ...[...this.others].map(([id, o]) => ({ instanceId: id, ...(o.stats as object) }))];
  }

  /**
   * Sends a client message to the instance holding its stream and waits for its answer: undefined
   * once applied there, the refusal, or 'timeout' when no answer came in CONTROL_REPLY_TIMEOUT_MS.
   */
  async send(message: Omit<ControlMessage, 'from' | 'id'>): Promise<ControlRefusal | 'timeout' | undefined> {
    const id = randomUUID();
    const answer = new Promise<ControlRefusal | 'timeout' | undefined>((resolve) => {
      const timer = setTimeout(() => this.settle(id, 'timeout'), CONTROL_REPLY_TIMEOUT_MS);
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    try {
      await this.notify({ ...message, from: this.instanceId, id });
    } catch (err) {
      this.waiting.delete(id);
      throw err;
    }
    return answer;
  }

  private settle(id: string, answer: ControlRefusal | 'timeout' | undefined): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(answer);
  }

  private async notify(payload: ControlMessage | ControlReply): Promise<void> {
    await this.database.db.execute(sql`select pg_notify(${CONTROL_CHANNEL}, ${JSON.stringify(payload)})`);
  }

  private onControl(payload: string): void {
    let m: ControlMessage | ControlReply;
    try {
      m = JSON.parse(payload) as ControlMessage | ControlReply;
    } catch {
      return;
    }
    if (m.to !== this.instanceId) return;
    if ('reply' in m) return this.settle(m.reply, m.refused);
    const refused = this.host.onControl(m);
    if (m.from && m.id) this.notify({ reply: m.id, to: m.from, refused }).catch((err) => logger().warn({ err }, 'could not answer a routed client message'));
  }

  private async beat(): Promise<void> {
    const db = this.database.db;
    const now = new Date();
    try {
      const stats = this.host.report();
      await db
        .insert(realtimeInstances)
        .values({ instanceId: this.instanceId, stats, heartbeatAt: now })
        .onConflictDoUpdate({ target: realtimeInstances.instanceId, set: { stats, heartbeatAt: now } });
      const cutoff = new Date(now.getTime() - PRESENCE_TTL_MS);
      const rows = await db
        .select()
        .from(realtimeInstances)
        .where(and(ne(realtimeInstances.instanceId, this.instanceId), gt(realtimeInstances.heartbeatAt, cutoff)));
      this.others = new Map(rows.map((r) => [r.instanceId, { perOwner: (r.stats as { perOwner?: Record<string, number> }).perOwner ?? {}, stats: r.stats }]));
      await db.delete(realtimeInstances).where(lt(realtimeInstances.heartbeatAt, new Date(now.getTime() - 10 * PRESENCE_TTL_MS)));
    } catch (err) {
      dbFailed('presence', err, 'presence heartbeat failed (will retry)');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.stopListen?.();
    await this.database.db
      .delete(realtimeInstances)
      .where(eq(realtimeInstances.instanceId, this.instanceId))
      .catch(() => {});
  }
}
