/**
 * The portal's broadcast API as its seed code calls it (`getWebSocketServer()` of its
 * `websocket-server`), typed, over the hub and the log.
 * Domain broadcasts are logged and sequenced like any other event (so they replay on resume);
 * `broadcastMetrics` is state and goes straight to the owner's streams.
 */
import { parseOwnerId } from '../auth/owners';
import { getRuntime } from '../runtime';
import { transactWithEvents } from './log/publish';
import type { BookingCreatedData, BookingUpdatedData, LoggedEvent, MetricsSnapshot, OccupancyChangedData, RevenueReceivedData } from './wire/events';

type OwnerRef = number | string;

export interface WebSocketServerApi {
  broadcastMetrics(ownerId: OwnerRef, data: MetricsSnapshot): Promise<void>;
  /** `booking_created`, or `booking_updated`/`booking_completed` when `data` has `previousStatus`. */
  broadcastBookingEvent(ownerId: OwnerRef, data: BookingCreatedData | BookingUpdatedData): Promise<LoggedEvent>;
  broadcastOccupancyChange(ownerId: OwnerRef, data: OccupancyChangedData): Promise<LoggedEvent>;
  broadcastRevenueUpdate(ownerId: OwnerRef, data: RevenueReceivedData): Promise<LoggedEvent>;
  /** Closes every stream of the owner (they reconnect and resume); returns how many. */
  disconnectClient(ownerId: OwnerRef): Promise<number>;
  /** Open streams in this process. */
  getConnectedClients(): Promise<number>;
  getStats(): Promise<HubStatsReport>;
  shutdown(): Promise<void>;
}

export interface HubStatsReport {
  instanceId: string;
  /** With PostgreSQL: every live instance's report, this one first. */
  instances?: unknown[];
  connections: number;
  owners: number;
  perOwner: Record<string, number>;
  [counter: string]: unknown;
}

const emitOne = <T>(fn: (emit: Parameters<Parameters<typeof transactWithEvents>[0]>[1]) => Promise<T>) => transactWithEvents((_tx, emit) => fn(emit));

/** The broadcast API of this process. */
export function getWebSocketServer(): WebSocketServerApi {
  return {
    async broadcastMetrics(ownerId, data) {
      (await getRuntime()).hub.pushMetrics(parseOwnerId(ownerId), data);
    },
    broadcastBookingEvent(ownerId, data) {
      const owner = parseOwnerId(ownerId);
      if (!('previousStatus' in data)) return emitOne((emit) => emit(owner, 'booking_created', data));
      return emitOne((emit) => emit(owner, data.status === 'completed' ? 'booking_completed' : 'booking_updated', data));
    },
    broadcastOccupancyChange: (ownerId, data) => emitOne((emit) => emit(parseOwnerId(ownerId), 'occupancy_changed', data)),
    broadcastRevenueUpdate: (ownerId, data) => emitOne((emit) => emit(parseOwnerId(ownerId), 'revenue_received', data)),
    async disconnectClient(ownerId) {
      return (await getRuntime()).hub.disconnectOwner(parseOwnerId(ownerId), 'kicked');
    },
    async getConnectedClients() {
      return (await getRuntime()).hub.connectionCount();
    },
    async getStats() {
      const { hub, cluster, instanceId } = await getRuntime();
      return { instanceId, ...hub.report(), ...(cluster ? { instances: await cluster.instances() } : {}) };
    },
    async shutdown() {
      (await getRuntime()).hub.shutdown();
    },
  };
}
