/**
 * The position of a client in its owner's event log: the `id:` of the last domain event it
 * handled. It is sent back as `Last-Event-ID` when resuming, and it drops frames at or below it,
 * so an event replayed twice (a resume racing a broadcast from another tab) is handled once.
 * Ids are the contract's per-owner sequence numbers: decimal integers, strictly increasing.
 */
import { isDomainEventType } from '../realtime/wire/events';
import type { Frame } from './types';

const isSeq = (v: string) => /^\d{1,15}$/.test(v);

/** A last-event-id tracker shared by a tab's stream loop and its tab-sharing link. */
export class EventCursor {
  private current: string | null;

  constructor(initial?: string | null) {
    this.current = initial ?? null;
  }

  /** The last event id handled, or null before the first one. */
  get value(): string | null {
    return this.current;
  }

  /**
   * Records the `id:` of an incoming frame. Returns false for a duplicate (a sequence number at or
   * below the current one); frames without an id (state and protocol frames) always pass.
   */
  accept(id: string | undefined): boolean {
    if (id === undefined || id === '') return true;
    if (this.current !== null && isSeq(id) && isSeq(this.current) && Number(id) <= Number(this.current)) return false;
    this.current = id;
    return true;
  }

  /** Moves forward to `id` when it is ahead (a late-joining tab adopting the leader's position). */
  advance(id: string | null | undefined): void {
    if (id === null || id === undefined || id === '') return;
    if (this.current === null || !isSeq(id) || !isSeq(this.current) || Number(id) > Number(this.current)) this.current = id;
  }

  /** Jumps to `id` even backwards: after a `reset` frame the server's position is the truth. */
  reset(id: string | null | undefined): void {
    if (id !== undefined && id !== null && id !== '') this.current = String(id);
  }
}

/**
 * Moves `cursor` for an incoming frame and says whether to deliver it: a domain event at or below
 * the cursor is a duplicate (false); a `reset {reason:"history_gap"}` (the log no longer holds what
 * came after our position) moves the cursor to the server's position, even backwards; a `reset`
 * for any other reason never moves it, so nothing not received is ever skipped. Protocol and
 * state frames always pass (the server gives `connected` an `id:` too).
 */
export function trackFrame(cursor: EventCursor, frame: Frame): boolean {
  if (frame.event === 'reset') {
    const data = (frame.message.data ?? {}) as { lastEventId?: unknown; reason?: unknown };
    if (data.reason === 'history_gap') cursor.reset(data.lastEventId != null ? String(data.lastEventId) : frame.id);
    return true;
  }
  const fresh = cursor.accept(frame.id);
  return fresh || !isDomainEventType(frame.event);
}
