/**
 * The wire vocabulary of `/api/ws` (shared/reference/contract.md): event types, their payloads,
 * and the envelope every frame's `data` carries. Imported by server and browser code alike, so
 * it holds types and constants only.
 */

/** Domain events: logged with a per-owner sequence number, replayable, never dropped. */
export const DOMAIN_EVENT_TYPES = ['booking_created', 'booking_updated', 'booking_completed', 'occupancy_changed', 'revenue_received'] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** Every event type a stream can carry. */
export type EventType = DomainEventType | 'metrics_updated' | 'connected' | 'pong' | 'token_expired' | 'reset' | 'reconnect' | 'error';

export interface BookingCreatedData {
  id: string;
  guestName: string;
  hangarId: number;
  hangarNumber: string;
  checkIn: string;
  checkOut: string;
  /** BRL */
  amount: number;
  /** days */
  duration: number;
  status: string;
}

export interface BookingUpdatedData {
  id: string;
  hangarId: number;
  hangarNumber: string;
  status: string;
  previousStatus: string;
  amount: number;
}

export interface OccupancyChangedData {
  hangarId: number;
  hangarNumber: string;
  /** 0–100 */
  occupancyRate: number;
  totalSpots: number;
  occupiedSpots: number;
  isNowOccupied: boolean;
  /** ms since epoch */
  timestamp: number;
}

export interface RevenueReceivedData {
  bookingId: string;
  amount: number;
  currency: 'BRL';
  paymentIntentId: string;
  receivedAt: string;
}

export interface DomainEventData {
  booking_created: BookingCreatedData;
  booking_updated: BookingUpdatedData;
  booking_completed: BookingUpdatedData;
  occupancy_changed: OccupancyChangedData;
  revenue_received: RevenueReceivedData;
}

/** The flat metrics object of the contract; every field, every time. */
export interface MetricsSnapshot {
  revenueToday: number;
  todayRevenue: number;
  bookingsToday: number;
  activeBookings: number;
  occupancyRate: number;
  growthPercentage: number;
  revenueLast30Days: number;
  listingsByStatus: { active: number; inactive: number; pending: number; rejected: number; suspended: number };
  bookingsByMonth: { month: string; count: number }[];
  lastUpdate: number;
  stale: boolean;
}

/** What a frame's `data:` line holds. */
export interface Envelope<T = unknown> {
  type: EventType;
  /** ms since epoch */
  timestamp: number;
  data: T;
  ownerId: string;
}

/** A domain event as the log stores it and the bus carries it. */
export interface LoggedEvent<K extends DomainEventType = DomainEventType> {
  ownerId: number;
  seq: number;
  type: K;
  data: DomainEventData[K];
  /** ms since epoch (commit time of the append) */
  timestamp: number;
}

export const isDomainEventType = (t: string): t is DomainEventType => (DOMAIN_EVENT_TYPES as readonly string[]).includes(t);
