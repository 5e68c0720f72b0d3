/**
 * The event bus: how committed domain events reach the hub. The in-process implementation
 * (`bus.memory.ts`) is the default; a PostgreSQL LISTEN/NOTIFY bridge can sit beside it for
 * several instances. Contract: `publish` is called only after the transaction that appended
 * the events has committed, with events in commit order per owner.
 */
import type { LoggedEvent } from './events';

export type BusListener = (events: readonly LoggedEvent[]) => void;

export interface Bus {
  /** Delivers committed events to every subscriber of this process. Never throws. */
  publish(events: readonly LoggedEvent[]): void;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: BusListener): () => void;
}
