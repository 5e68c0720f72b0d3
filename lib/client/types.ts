/**
 * The browser-side vocabulary of the realtime client: the portal's exported types (names and
 * shapes unchanged, see shared/reference/portal.md §4) plus the few additions this client needs.
 * Wire types come from `lib/realtime/events.ts`, which holds types and constants only.
 */
import type { EventType, MetricsSnapshot } from '../realtime/wire/events';

/** Every event type a stream can carry: the portal's six plus the protocol frames. */
export type WebSocketEventType = EventType;

/**
 * The envelope every frame's `data:` holds; listeners receive only its `data`. `data` defaults to
 * the portal's loose `Record<string, any>` so code written against the portal keeps compiling.
 */
// biome-ignore lint/suspicious/noExplicitAny: the portal's own signature, kept so its pages compile unchanged
export interface WebSocketMessage<T = Record<string, any>> {
  type: WebSocketEventType;
  /** ms since epoch */
  timestamp: number;
  data: T;
  ownerId: string;
}

/**
 * The owner's metrics: the portal's fields (all optional, as in the portal) plus the rest of the
 * contract's flat metrics object. The server sends every field every time, and each
 * `metrics_updated` replaces the whole object.
 */
export interface RealTimeMetrics extends Partial<MetricsSnapshot> {
  /** BRL, paid bookings created today */
  revenueToday?: number;
  bookingsToday?: number;
  /** 0–100 */
  occupancyRate?: number;
  /** live bookings, last 7 days vs the 7 before, % */
  growthPercentage?: number;
  /** alias of `revenueToday` */
  todayRevenue?: number;
  activeBookings?: number;
  /** ms since epoch */
  lastUpdate?: number;
}

/** A `booking_created` payload as the dashboard lists it. */
export interface BookingNotification {
  id: string;
  guestName: string;
  hangarNumber: string;
  checkIn: string;
  checkOut: string;
  /** BRL */
  amount: number;
  /** days */
  duration?: number;
  hangarId?: number;
  status?: string;
}

/** An `occupancy_changed` payload (`hangarId` as a string, as the portal typed it). */
export interface OccupancyChange {
  hangarId: string;
  hangarNumber: string;
  /** 0–100 */
  occupancyRate: number;
  totalSpots: number;
  occupiedSpots: number;
  isNowOccupied?: boolean;
  /** ms since epoch */
  timestamp?: number;
}

/** The portal's coarse status, as `getConnectionStatus()` returns it. */
export type PortalConnectionStatus = 'connected' | 'disconnected' | 'connecting';

/**
 * Where a manager stands. `connecting`: first attempt; `connected`: a stream (this tab's or the
 * leader tab's) is live; `reconnecting`: lost, retrying by itself; `disconnected`: stopped, by
 * `disconnect()` or a refusal it cannot recover from (see `lastError`).
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Messages `send()` maps to `POST /api/ws`. */
export type ClientMessage =
  | { type: 'auth'; ownerId?: string; token?: string; connectionId?: string }
  | { type: 'ping'; connectionId?: string }
  | { type: 'request_metrics'; connectionId?: string };

/** One parsed SSE frame: its `event:`, its `id:` (domain events only) and its envelope. */
export interface Frame {
  event: WebSocketEventType;
  id?: string;
  message: WebSocketMessage;
}

/** Options of `WebSocketManager`; every field is optional. */
export interface ManagerOptions {
  /** Returns a fresh token; called before the token expires, on `token_expired`, and once on a 401. */
  getToken?: () => Promise<string>;
  /** Stream endpoint, default `/api/ws` (same origin). */
  url?: string;
  /** Resume after this event id on the first connection. */
  lastEventId?: string;
  /** Upper bound of the reconnect delay, ms (default 30 000). */
  maxBackoffMs?: number;
  /** Reconnect delay before the server announced its `retry:`, ms (default 3 000). */
  initialRetryMs?: number;
  /** Share one stream between the tabs of this browser (Web Locks + BroadcastChannel); default true. */
  shareTabs?: boolean;
  /** Injected for tests; default the global `fetch`. */
  fetch?: typeof fetch;
  /** Injected for tests; default `Math.random`. */
  random?: () => number;
}
