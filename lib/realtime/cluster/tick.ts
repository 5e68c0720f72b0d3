/**
 * The instance's cluster tick, every WS_LOG_POLL_MS: ONE statement that takes the client messages
 * other instances wrote for this instance's streams (`stream-commands.ts`) and, in poll mode, reads
 * the log heads (`owner_sequences.last_seq`) of every owner this instance has streams of. Each head
 * goes to `advanceOwner`, the same ordered, gap-filling channel path a NOTIFY takes, so ordering and
 * gap fill stay one path whichever way another instance's events are learnt of. It needs no
 * session state (no LISTEN, no prepared statement), so it works through a transaction pooler.
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client';
import { applyCommand, settleCommands, type StreamCommand } from './stream-commands';
import type { Hub } from '../hub/hub';
import { dbFailed } from '../../observability/db-errors';

export interface TickOptions {
  db: Db;
  hub: Hub;
  instanceId: string;
  /** Read the log heads of connected owners (poll mode); false in notify mode. */
  pollLog: boolean;
  intervalMs: number;
}

interface TickRow {
  commands: {
    id: string;
    connection_id: string;
    op: StreamCommand['op'];
    owner_id: number;
    user_id: number;
    admin: boolean;
    exp: number | null;
    server_time: number | null;
  }[];
  heads: [number, number][];
}

/** Counters of the tick, for `/api/ws/stats` and the benches. */
export interface TickStats {
  ticks: number;
  commandsApplied: number;
}

/** Runs the tick until the returned function is called. */
export function startClusterTick(opts: TickOptions): { stop: () => void; stats: TickStats } {
  const stats: TickStats = { ticks: 0, commandsApplied: 0 };
  let running = false;
  const tick = async () => {
    if (running) return; // a slow database: skip rather than pile up
    running = true;
    try {
      await runTick(opts, stats);
    } catch (err) {
      dbFailed('cluster_tick', err, 'cluster tick failed (will retry)');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), stats };
}

async function runTick({ db, hub, instanceId, pollLog }: TickOptions, stats: TickStats): Promise<void> {
  const owners = pollLog ? hub.connectedOwners() : [];
  const ownerFilter = owners.length > 0 ? sql`s.owner_id in (${sql.join(owners, sql`, `)})` : sql`false`;
  const [row] = await rows<TickRow>(
    db,
    sql`with taken as (
          update realtime_stream_commands set outcome = 'taken'
          where instance_id = ${instanceId} and outcome is null
          returning id, connection_id, op, owner_id, user_id, admin, exp, server_time)
        select
          (select coalesce(json_agg(taken), '[]'::json) from taken) as commands,
          (select coalesce(json_agg(json_build_array(s.owner_id, s.last_seq)), '[]'::json)
             from owner_sequences s where ${ownerFilter}) as heads`,
  );
  stats.ticks++;
  for (const [ownerId, seq] of row.heads) hub.advanceOwner(Number(ownerId), Number(seq));
  if (row.commands.length === 0) return;
  const outcomes = row.commands.map((c) => ({
    id: c.id,
    outcome: applyCommand(hub, {
      id: c.id,
      connectionId: c.connection_id,
      op: c.op,
      ownerId: c.owner_id,
      userId: c.user_id,
      admin: c.admin,
      exp: c.exp === null ? null : Number(c.exp),
      serverTime: c.server_time === null ? null : Number(c.server_time),
    }),
  }));
  stats.commandsApplied += outcomes.filter((o) => o.outcome === 'applied').length;
  await settleCommands(db, outcomes);
}
