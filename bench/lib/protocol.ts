/** Messages between the stream bench's orchestrator and its client worker processes (IPC). */

/** One stream a worker holds: which owner, with which token. */
export interface StreamSpec {
  ownerId: number;
  token: string;
}

/** What a worker records per domain-event frame (see `open`). */
export type ReceiptMatch = 'seq' | 'booking';

/** Orchestrator → worker. */
export type WorkerCommand =
  /**
   * `liveOn`: the frame after which a stream counts as live (default `connected`; the app's streams are joined at their first `metrics_updated`).
   * `match`: what a receipt records — `seq` (default): (ownerId, seq, t) of every domain event; `booking`: (ownerId, booking id, t) of `booking_created` / `booking_updated` only (the write bench).
   */
  | { cmd: 'open'; port: number; path: string; streams: StreamSpec[]; concurrency: number; liveOn?: 'connected' | 'metrics_updated'; match?: ReceiptMatch }
  | { cmd: 'storm' }
  | { cmd: 'status' }
  | { cmd: 'take' }
  | { cmd: 'close' };

/** A worker's counters. */
export interface WorkerStatus {
  total: number;
  live: number;
  /** Non-200 answers and socket errors, by status code or error code. */
  errors: Record<string, number>;
  /** Streams the server ended while the bench held them. */
  drops: number;
  /** Domain-event receipts recorded and not yet taken. */
  receipts: number;
  /** Frames with an `event:` other than the domain events, by type. */
  frames: Record<string, number>;
}

/** Worker → orchestrator. */
export type WorkerReply =
  | { type: 'status'; status: WorkerStatus }
  /** Flattened triples (ownerId, seq or booking id, receivedAt ms) of the domain events received since the last take. */
  | { type: 'receipts'; data: number[] }
  /** Every stream of the current open/storm is live (`connected` received) at `at` (ms). */
  | { type: 'all-live'; at: number; status: WorkerStatus }
  | { type: 'closed' };
