/**
 * Client messages for a stream held by another instance, made durable (`realtime_stream_commands`)
 * rather than routed over LISTEN, so they work through a transaction pooler and in both delivery
 * modes — the one way a `POST /api/ws` reaches a stream elsewhere. The receiving instance inserts
 * a row and waits for its outcome; the holding instance takes its rows on its next cluster tick
 * (`tick.ts`), checks each again against the stream it holds, applies it and writes the outcome.
 * The POST answers `ok` only on 'applied'; a command the holder never took is withdrawn (deleted)
 * before the POST answers 503, so it cannot take effect afterwards.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { realtimeStreamCommands } from '../../db/schema';
import type { Hub } from '../hub/hub';

/** The client messages that act on a stream. */
export type StreamOp = 'auth' | 'ping' | 'request_metrics';

/** Why the holding instance did not apply a command. */
export type CommandRefusal = 'unknown_connection' | 'forbidden_connection';

/** A client message for a stream, as the holding instance checks and applies it. */
export interface StreamCommand {
  id: string;
  connectionId: string;
  op: StreamOp;
  ownerId: number;
  userId: number;
  admin: boolean;
  /** auth: the new token expiry, seconds since the epoch. */
  exp?: number | null;
  /** ping: the server time of the POST's answer, ms. */
  serverTime?: number | null;
}

/** How long the receiving instance waits for the holder to take a command, ms. */
export const COMMAND_TAKE_TIMEOUT_MS = 3_000;
/** Once taken, how long the holder may take to write the outcome, ms (it applies in memory at once). */
const COMMAND_SETTLE_TIMEOUT_MS = 3_000;
/** How often the receiving instance looks for the outcome, ms. */
const OUTCOME_POLL_MS = 25;
/** Rows older than this are deleted by the holders' presence beat (a receiver that died mid-wait). */
export const COMMAND_RETENTION_MS = 60_000;

/**
 * Writes a command for the stream held by `instanceId` and resolves with its outcome: undefined
 * once applied there, the holder's refusal, or 'timeout' when no holder took it in time (then it
 * was withdrawn and will never apply).
 */
export async function sendCommand(db: Db, instanceId: string, command: Omit<StreamCommand, 'id'>): Promise<CommandRefusal | 'timeout' | undefined> {
  const id = randomUUID();
  await db.insert(realtimeStreamCommands).values({ ...command, id, instanceId });
  const outcome = await waitForOutcome(db, id, COMMAND_TAKE_TIMEOUT_MS);
  if (outcome === undefined || outcome === 'taken') {
    const withdrawn = await db
      .delete(realtimeStreamCommands)
      .where(and(eq(realtimeStreamCommands.id, id), isNull(realtimeStreamCommands.outcome)))
      .returning({ id: realtimeStreamCommands.id });
    if (withdrawn.length > 0) return 'timeout';
    // Taken meanwhile: the holder applied it in memory and is writing the outcome.
    const late = await waitForOutcome(db, id, COMMAND_SETTLE_TIMEOUT_MS);
    if (late === undefined || late === 'taken') return 'timeout';
    return finish(db, id, late);
  }
  return finish(db, id, outcome);
}

async function finish(db: Db, id: string, outcome: string): Promise<CommandRefusal | undefined> {
  await db.delete(realtimeStreamCommands).where(eq(realtimeStreamCommands.id, id));
  return outcome === 'applied' ? undefined : (outcome as CommandRefusal);
}

/** Polls the command's outcome until it is settled or the deadline passes; returns the last one seen (undefined: not taken). */
async function waitForOutcome(db: Db, id: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let outcome: string | undefined;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, OUTCOME_POLL_MS));
    const [row] = await db.select({ outcome: realtimeStreamCommands.outcome }).from(realtimeStreamCommands).where(eq(realtimeStreamCommands.id, id));
    outcome = row?.outcome ?? undefined;
    if (outcome && outcome !== 'taken') return outcome;
  }
  return outcome;
}

/** Applies a command to the stream it names, after checking it again here; the outcome to record. */
export function applyCommand(hub: Hub, m: StreamCommand): CommandRefusal | 'applied' {
  const conn = hub.connection(m.connectionId);
  if (!conn) return 'unknown_connection';
  if (conn.ownerId !== m.ownerId || (conn.userId !== m.userId && !m.admin)) return 'forbidden_connection';
  if (m.op === 'auth' && typeof m.exp === 'number') conn.exp = m.exp;
  if (m.op === 'ping') hub.sendFrame(conn.ownerId, 'pong', { serverTime: m.serverTime ?? Date.now() }, conn.id);
  if (m.op === 'request_metrics') hub.options.metrics.requested(conn.ownerId);
  return 'applied';
}

/** Records the outcomes of commands this instance took, in one statement. */
export async function settleCommands(db: Db, outcomes: readonly { id: string; outcome: string }[]): Promise<void> {
  if (outcomes.length === 0) return;
  const values = sql.join(
    outcomes.map((o) => sql`(${o.id}, ${o.outcome})`),
    sql`, `,
  );
  await db.execute(sql`update ${realtimeStreamCommands} c set outcome = v.o from (values ${values}) as v(id, o) where c.id = v.id`);
}

/** Deletes commands left behind by receivers that stopped waiting (crashed mid-request). */
export async function pruneCommands(db: Db, now = Date.now()): Promise<void> {
  await db.delete(realtimeStreamCommands).where(lt(realtimeStreamCommands.createdAt, new Date(now - COMMAND_RETENTION_MS)));
}
