/**
 * The portal seed's broadcast API (`getWebSocketServer()`), typed, over the hub and the log.
 * Domain broadcasts are logged and sequenced like any other event (so they replay on resume);
 * `broadcastMetrics` is state and goes straight to the owner's streams.
 */
import type { MetricsSnapshot } from '../metrics/types';
import { parseOwnerId } from '../auth/owners';
import type { BookingCreatedData, BookingUpdatedData, LoggedEvent, OccupancyChangedData, RevenueReceivedData } from './events';
import { transactWithEvents } from './publish';
import { instanceId } from './cluster';
import { getCluster, getHub } from './registry';

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

const emitOne = <T>(fn: (emit: Parameters<Parameters<typeof transactWithEvents>[0]>[1]) => Promise<T>) =>
  transactWithEvents((_tx, emit) => fn(emit));


/** The broadcast API of this process. */
export function getWebSocketServer(): WebSocketServerApi {
  return {
    async broadcastMetrics(ownerId, data) {
      (await getHub()).pushMetrics(parseOwnerId(ownerId), data);
    },
    broadcastBookingEvent(ownerId, data) {
      const owner = parseOwnerId(ownerId);
      if (!('previousStatus' in data)) return emitOne((emit) => emit(owner, 'booking_created', data));
      return emitOne((emit) => emit(owner, data.status === 'completed' ? 'booking_completed' : 'booking_updated', data));
    },
    broadcastOccupancyChange: (ownerId, data) => emitOne((emit) => emit(parseOwnerId(ownerId), 'occupancy_changed', data)),
    broadcastRevenueUpdate: (ownerId, data) => emitOne((emit) => emit(parseOwnerId(ownerId), 'revenue_received', data)),
    async disconnectClient(ownerId) {
      return (await getHub()).disconnectOwner(parseOwnerId(ownerId), 'kicked');
    },
    async getConnectedClients() {
      return (await getHub()).connectionCount();
    },
    async getStats() {
      const hub = await getHub();
      const cluster = getCluster();
      return { instanceId: instanceId(), ...hub.report(), ...(cluster ? { instances: await cluster.instances() } : {}) };
    },
    async shutdown() {
      (await getHub()).shutdown();
    },
  };
}
