/**
 * What instances sharing one PostgreSQL know of each other. Each instance upserts a presence row
 * (`realtime_instances`) every `PRESENCE_EVERY_MS` with its per-owner stream counts, and keeps the
 * other live instances' counts in memory, so the per-owner cap is cluster-wide with no query per
 * stream. It runs the instance's cluster tick (`tick.ts`: client messages for its streams and, in
 * poll mode, other instances' events). A client message for a stream held elsewhere is written for
 * the instance named in the `connectionId` (`<instanceId>~<uuid>`), which checks it again, applies
 * it and records the outcome (`stream-commands.ts`); the sender reports success only on that
 * outcome. None of it needs LISTEN, so it works the same through a transaction pooler.
 */
import { and, eq, gt, lt, ne } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { realtimeInstances } from '../../db/schema';
import { dbFailed } from '../../observability/db-errors';
import type { Hub } from '../hub/hub';
import { pruneCommands, sendCommand, type CommandRefusal, type StreamCommand } from './stream-commands';
import { startClusterTick } from './tick';

export const PRESENCE_EVERY_MS = 3_000;
/** An instance silent for this long is considered gone. */
export const PRESENCE_TTL_MS = 12_000;

/** The instance a connection id belongs to. */
export const instanceOf = (connectionId: string): string | undefined => connectionId.split('~', 1)[0] || undefined;

/** What the cluster needs of its instance. */
export interface ClusterOptions {
  hub: Hub;
  /** Poll mode: the tick also reads connected owners' log heads (no LISTEN). */
  pollLog: boolean;
  /** ms between ticks (WS_LOG_POLL_MS). */
  tickMs: number;
}

export class Cluster {
  private others = new Map<string, { perOwner: Record<string, number>; stats: unknown }>();
  private timer?: ReturnType<typeof setInterval>;
  private tick?: ReturnType<typeof startClusterTick>;

  constructor(
    private readonly database: Database,
    private readonly instanceId: string,
    private readonly options: ClusterOptions,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), PRESENCE_EVERY_MS);
    this.timer.unref();
    this.tick = startClusterTick({
      db: this.database.db,
      hub: this.options.hub,
      instanceId: this.instanceId,
      pollLog: this.options.pollLog,
      intervalMs: this.options.tickMs,
    });
  }

  /** Streams of `ownerId` held by the other live instances (as of their last heartbeat). */
  remoteCount(ownerId: number): number {
    let n = 0;
    for (const o of this.others.values()) n += o.perOwner[ownerId] ?? 0;
    return n;
  }

  /**
   * Whether `id` is a live instance other than this one: as of the last beat, or else as its
   * presence row says now (an instance started since our last beat — short-lived instances come
   * and go often — is found without waiting up to PRESENCE_EVERY_MS).
   */
  async isLive(id: string): Promise<boolean> {
    if (this.others.has(id)) return true;
    if (id === this.instanceId) return false;
    const cutoff = new Date(Date.now() - PRESENCE_TTL_MS);
    const found = await this.database.db
      .select({ id: realtimeInstances.instanceId })
      .from(realtimeInstances)
      .where(and(eq(realtimeInstances.instanceId, id), gt(realtimeInstances.heartbeatAt, cutoff)));
    return found.length > 0;
  }

  /** This instance's stats as published with its presence row, with the tick's counters and database statements. */
  report() {
    return {
      ...this.options.hub.report(),
      crossInstance: this.options.pollLog ? 'poll' : 'notify',
      ticks: this.tick?.stats.ticks ?? 0,
      dbQueries: this.database.queryCount(),
    };
  }

  /** Every live instance's last reported stats, this one first. */
  async instances(): Promise<unknown[]> {
    return [{ instanceId: this.instanceId, ...this.report() }, ...[...this.others].map(([id, o]) => ({ instanceId: id, ...(o.stats as object) }))];
  }

  /**
   * Has the instance holding a stream apply a client message (durably, see `stream-commands.ts`):
   * undefined once applied there, the holder's refusal, or 'timeout'.
   */
  send(instanceId: string, command: Omit<StreamCommand, 'id'>): Promise<CommandRefusal | 'timeout' | undefined> {
    return sendCommand(this.database.db, instanceId, command);
  }

  private async beat(): Promise<void> {
    const db = this.database.db;
    const now = new Date();
    try {
      const stats = this.report();
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
      await pruneCommands(db, now.getTime());
    } catch (err) {
      dbFailed('presence', err, 'presence heartbeat failed (will retry)');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.tick?.stop();
    await this.database.db
      .delete(realtimeInstances)
      .where(eq(realtimeInstances.instanceId, this.instanceId))
      .catch(() => {});
  }
}
