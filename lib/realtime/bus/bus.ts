/**
 * The event bus: how committed domain events reach the hub. The in-process implementation
 * (`bus.memory.ts`) carries this instance's events; other instances' reach the hub through the
 * PostgreSQL LISTEN/NOTIFY bridge beside it (`notify.pg.ts`), read from the log. Contract: `publish` is called only after the transaction that appended
 * the events has committed, with events in commit order per owner.
 */
import type { LoggedEvent } from '../wire/events';

export type BusListener = (events: readonly LoggedEvent[]) => void;

export interface Bus {
  /** Delivers committed events to every subscriber of this process. Never throws. */
  publish(events: readonly LoggedEvent[]): void;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: BusListener): () => void;
}
