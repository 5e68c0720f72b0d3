'use client';
/**
 * React hooks over `WebSocketManager`, with the portal's names, options and return shapes
 * (`src/hooks/useRealtimeStats.ts`). Each hook instance owns one manager for its owner; the
 * managers of one browser share a single stream anyway (see tab-share.ts), so two hooks on a page
 * cost no extra connection. Status comes from `onStatusChange` (no polling). Safe under React
 * StrictMode: the first mount's manager is disconnected (request aborted) before the second starts.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RealtimeError } from './errors';
import type { BookingNotification, ConnectionStatus, OccupancyChange, RealTimeMetrics } from './types';
import { WebSocketManager } from './websocket';

/** How many booking notifications are kept (the portal's 10). */
export const MAX_BOOKING_NOTIFICATIONS = 10;
/** Default number of occupancy changes kept. */
export const DEFAULT_MAX_OCCUPANCY_CHANGES = 10;

export interface UseRealtimeStatsOptions {
  /** `hangar_owners.id` as a string. */
  ownerId: string;
  /** The user's JWT; an empty string waits without connecting. */
  token: string;
  /** Connect on mount (default true). */
  autoConnect?: boolean;
  /** Returns a fresh token; default: the latest `token` prop. */
  getToken?: () => Promise<string>;
  /** Occupancy changes kept, newest first (default 10). */
  maxOccupancyChanges?: number;
  /** Stream endpoint (default `/api/ws`). */
  url?: string;
}

export interface UseRealtimeStatsReturn {
  /** The latest `metrics_updated` snapshot, whole; null until the first one. */
  metrics: RealTimeMetrics | null;
  /** Newest first, the last 10. */
  bookingNotifications: BookingNotification[];
  /** Newest first, the last `maxOccupancyChanges`. */
  occupancyChanges: OccupancyChange[];
  isConnected: boolean;
  /** (Re)connects; never rejects (a refusal shows in `error`). */
  connect: () => Promise<void>;
  disconnect: () => void;
  clearNotifications: () => void;
  /** Detailed status (addition to the portal's API). */
  status: ConnectionStatus;
  /** Why the stream stopped by itself, when it did (addition). */
  error: RealtimeError | null;
}

type Setter<T> = (update: T | ((prev: T) => T)) => void;

interface Setters {
  setStatus: Setter<ConnectionStatus>;
  setError: Setter<RealtimeError | null>;
  setMetrics: Setter<RealTimeMetrics | null>;
  setBookings: Setter<BookingNotification[]>;
  setOccupancy: Setter<OccupancyChange[]>;
}

/** Feeds a manager's status and events into React state; returns the unsubscribe functions. */
function bind(m: WebSocketManager, s: Setters, keepOccupancy: () => number): (() => void)[] {
  return [
    m.onStatusChange((status, e) => {
      s.setStatus(status);
      s.setError(status === 'disconnected' ? (e ?? null) : null);
    }),
    m.subscribeToMetricsUpdates((data) => s.setMetrics(data)),
    m.subscribeToBookingNotifications((b) => s.setBookings((prev) => [b, ...prev.filter((x) => x.id !== b.id)].slice(0, MAX_BOOKING_NOTIFICATIONS))),
    m.subscribeToOccupancyChanges((c) => s.setOccupancy((prev) => [c, ...prev].slice(0, keepOccupancy()))),
  ];
}

/** Metrics, notifications and connection state of one owner, live. */
export function useRealtimeStats(options: UseRealtimeStatsOptions): UseRealtimeStatsReturn {
  const { ownerId, token, autoConnect = true } = options;
  const [metrics, setMetrics] = useState<RealTimeMetrics | null>(null);
  const [bookingNotifications, setBookings] = useState<BookingNotification[]>([]);
  const [occupancyChanges, setOccupancy] = useState<OccupancyChange[]>([]);
  const [status, setStatus] = useState<ConnectionStatus>('disconnected');
  const [error, setError] = useState<RealtimeError | null>(null);
  const managerRef = useRef<WebSocketManager | null>(null);
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });

  const hasToken = token !== '';
  useEffect(() => {
    if (!ownerId || !hasToken) return;
    const m = new WebSocketManager(ownerId, latest.current.token, {
      url: latest.current.url,
      getToken: () => (latest.current.getToken ? latest.current.getToken() : Promise.resolve(latest.current.token)),
    });
    managerRef.current = m;
    const offs = bind(
      m,
      { setStatus, setError, setMetrics, setBookings, setOccupancy },
      () => latest.current.maxOccupancyChanges ?? DEFAULT_MAX_OCCUPANCY_CHANGES,
    );
    if (autoConnect) m.connect().catch(() => undefined); // the status listener reports refusals
    return () => {
      offs.forEach((off) => off());
      m.disconnect();
      if (managerRef.current === m) managerRef.current = null;
      // What this manager showed belongs to its owner; the next one starts clean.
      setStatus('disconnected');
      setMetrics(null);
      setBookings([]);
      setOccupancy([]);
    };
  }, [ownerId, hasToken, autoConnect]);

  // A new token (a re-login) is used from the next request on; it may cure a refused stream.
  useEffect(() => {
    const m = managerRef.current;
    if (!m || !token || m.usesToken(token)) return;
    m.setToken(token);
    if (m.getStatus() === 'disconnected' && m.getLastError()?.unauthorized && latest.current.autoConnect !== false) {
      m.connect().catch(() => undefined);
    }
  }, [token]);

  const connect = useCallback(() => managerRef.current?.connect().catch(() => undefined) ?? Promise.resolve(), []);
  const disconnect = useCallback(() => managerRef.current?.disconnect(), []);
  const clearNotifications = useCallback(() => {
    setBookings([]);
    setOccupancy([]);
  }, []);

  return { metrics, bookingNotifications, occupancyChanges, isConnected: status === 'connected', connect, disconnect, clearNotifications, status, error };
}

/** Just the metrics and the connection flag. */
export function useRealtimeMetrics(ownerId: string, token: string): { metrics: RealTimeMetrics | null; isConnected: boolean } {
  const { metrics, isConnected } = useRealtimeStats({ ownerId, token });
  return { metrics, isConnected };
}

/** Just the notifications. */
export function useRealtimeNotifications(
  ownerId: string,
  token: string,
): { bookingNotifications: BookingNotification[]; occupancyChanges: OccupancyChange[]; isConnected: boolean; clearNotifications: () => void } {
  const { bookingNotifications, occupancyChanges, isConnected, clearNotifications } = useRealtimeStats({ ownerId, token });
  return { bookingNotifications, occupancyChanges, isConnected, clearNotifications };
}
