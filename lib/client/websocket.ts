/**
 * The portal's realtime client API (`src/utils/websocket.ts`), names and signatures unchanged,
 * over `GET /api/ws` (Server-Sent Events read with fetch + eventsource-parser) and `POST /api/ws`
 * for client messages. Browser-only; imports no server code. See docs/client.md.
 *
 * What changed underneath: reconnects never give up (full-jitter backoff on the server's
 * `retry`), resume with `Last-Event-ID`, refresh the token through `getToken`, share one stream
 * between the tabs of a browser, and report status changes (`onStatusChange`) instead of polling.
 */
import { DEFAULT_MAX_BACKOFF_MS, DEFAULT_RETRY_MS } from './backoff';
import { postClientMessage, type ClientReply } from './post-message';
import { EventCursor } from './cursor';
import { RealtimeError } from './errors';
import { StreamLoop, type LoopConfig } from './reconnect-loop';
import { browserTabEnvironment, SharedStream, type StreamLink } from './tab-share';
import type {
  BookingNotification,
  ClientMessage,
  ConnectionStatus,
  Frame,
  ManagerOptions,
  OccupancyChange,
  PortalConnectionStatus,
  RealTimeMetrics,
  WebSocketEventType,
} from './types';

export type {
  BookingNotification,
  ClientMessage,
  ConnectionStatus,
  ManagerOptions,
  OccupancyChange,
  RealTimeMetrics,
  WebSocketEventType,
  WebSocketMessage,
} from './types';
export { RealtimeError } from './errors';

// Listeners receive the payload of whatever type they subscribed to; the portal typed it `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
// biome-ignore lint/suspicious/noExplicitAny: the portal's listener type, kept so its pages compile unchanged
type Listener = (data: any) => void;
type StatusListener = (status: ConnectionStatus, error?: RealtimeError) => void;

/** A pending `connect()`. */
interface Waiter {
  promise: Promise<void>;
  resolve(): void;
  reject(error: RealtimeError): void;
}

/**
 * The realtime connection of one owner. `connect()` starts it (idempotent), `disconnect()` stops
 * everything (request, timers, tab lock). It can be connected again after a disconnect.
 */
export class WebSocketManager {
  private readonly cfg: LoopConfig;
  private readonly initialToken: string;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly statusListeners = new Set<StatusListener>();
  private status: ConnectionStatus = 'disconnected';
  private link: StreamLink | undefined;
  private waiter: Waiter | undefined;
  private lastError: RealtimeError | undefined;
  /** The latest `metrics_updated` payload, handed at once to a listener that subscribes later. */
  private latestMetrics: { data: unknown } | undefined;

  constructor(
    readonly ownerId: string,
    token: string,
    private readonly options: ManagerOptions = {},
  ) {
    this.initialToken = token;
    this.cfg = {
      url: options.url ?? '/api/ws',
      ownerId,
      token,
      getToken: options.getToken,
      cursor: new EventCursor(options.lastEventId),
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      random: options.random,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      initialRetryMs: options.initialRetryMs ?? DEFAULT_RETRY_MS,
    };
  }

  /** The token in use (it changes when `getToken` refreshed it). */
  get token(): string {
    return this.cfg.token;
  }

  /** True when `token` is the one this manager was made with or uses now. */
  usesToken(token: string): boolean {
    return token === this.initialToken || token === this.cfg.token;
  }

  /**
   * Starts streaming. Resolves once the stream (this tab's or the leader tab's) says `connected`;
   * rejects with a `RealtimeError` when the server refuses for good (401 after one token refresh,
   * 403, 404, 400) or when `disconnect()` is called first (`code: 'aborted'`). Network failures do
   * not reject: the manager keeps reconnecting and the promise resolves when it gets through.
   */
  connect(): Promise<void> {
    if (this.status === 'connected') return Promise.resolve();
    this.link?.retryNow(); // asked while waiting to reconnect: try now
    if (this.waiter) return this.waiter.promise;
    let resolve!: () => void;
    let reject!: (e: RealtimeError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiter = { promise, resolve, reject };
    if (!this.link) this.startLink();
    return promise;
  }

  /** Stops streaming and reconnecting; listeners stay subscribed for a later `connect()`. */
  disconnect(): void {
    const link = this.link;
    this.link = undefined;
    link?.stop();
    this.latestMetrics = undefined;
    this.settle(new RealtimeError('aborted', 'disconnect() was called before the stream connected.'));
    this.setStatus('disconnected');
  }

  /** Uses `token` from the next request on (a re-login in another tab, a refresh by the app). */
  setToken(token: string): void {
    this.cfg.token = token;
  }

  /**
   * Calls `listener` with the `data` of every `type` frame; returns the unsubscribe function.
   *
   * A `metrics_updated` listener that subscribes once a snapshot has arrived gets the latest one at
   * once (synchronously, before `subscribe` returns): metrics are state, pushed only when they
   * change, and the portal's hook subscribes after `await connect()` — by then the snapshot that
   * came with `connected` (often in the same network chunk) has already been dispatched.
   */
  subscribe(type: WebSocketEventType, listener: Listener): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    if (type === 'metrics_updated' && this.latestMetrics) {
      try {
        listener(this.latestMetrics.data);
      } catch (err) {
        reportListenerError(err);
      }
    }
    return () => void this.listeners.get(type)?.delete(listener);
  }

  /** `booking_created` payloads. */
  subscribeToBookingNotifications(callback: (booking: BookingNotification) => void): () => void {
    return this.subscribe('booking_created', callback);
  }

  /** `metrics_updated` snapshots: each is the whole metrics object, replacing the previous one. */
  subscribeToMetricsUpdates(callback: (metrics: RealTimeMetrics) => void): () => void {
    return this.subscribe('metrics_updated', callback);
  }

  /** `occupancy_changed` payloads (`hangarId` as a string, as the portal typed it). */
  subscribeToOccupancyChanges(callback: (change: OccupancyChange) => void): () => void {
    return this.subscribe('occupancy_changed', (d: OccupancyChange) => callback({ ...d, hangarId: String(d.hangarId) }));
  }

  /** Calls `listener` on every status change (with the error when a refusal stopped it). */
  onStatusChange(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }

  isConnected(): boolean {
    return this.status === 'connected';
  }

  /** The portal's three states (`reconnecting` counts as `connecting`); see `getStatus()`. */
  getConnectionStatus(): PortalConnectionStatus {
    return this.status === 'reconnecting' ? 'connecting' : this.status;
  }

  /** The detailed status. */
  getStatus(): ConnectionStatus {
    return this.status;
  }

  /** Why the manager stopped by itself, when it did. */
  getLastError(): RealtimeError | undefined {
    return this.lastError;
  }

  /** The id of the last domain event handled (what a resume sends as `Last-Event-ID`). */
  getLastEventId(): string | null {
    return this.cfg.cursor.value;
  }

  /** Sends a client message as `POST /api/ws`; rejects with a `RealtimeError`. */
  request<M extends ClientMessage>(message: M): Promise<ClientReply[M['type']]> {
    const target = { url: this.cfg.url, ownerId: this.ownerId, token: this.cfg.token, fetch: this.cfg.fetch };
    return postClientMessage(target, { connectionId: this.link?.connectionId, ...message });
  }

  /** Fire-and-forget `request()`, as the portal's `send`: resolves with the reply, or null on failure. */
  send<M extends ClientMessage>(message: M): Promise<ClientReply[M['type']] | null> {
    return this.request(message).catch(() => null);
  }

  private startLink(): void {
    this.lastError = undefined;
    let link: StreamLink | undefined;
    const events = {
      frame: (frame: Frame) => link === this.link && this.dispatch(frame),
      status: (status: ConnectionStatus, error?: RealtimeError) => link === this.link && this.onLinkStatus(status, error),
    };
    const env = this.options.shareTabs === false ? null : browserTabEnvironment();
    link = env ? new SharedStream(this.cfg, events, env) : new StreamLoop(this.cfg, events);
    this.link = link;
    link.start();
  }

  private onLinkStatus(status: ConnectionStatus, error?: RealtimeError): void {
    if (status === 'connected') this.settle();
    if (status === 'disconnected') {
      // The link stopped itself: a refusal that retrying cannot fix.
      this.link = undefined;
      this.lastError = error;
      this.settle(error ?? new RealtimeError('stopped', 'The stream stopped.'));
    }
    this.setStatus(status, error);
  }

  private dispatch(frame: Frame): void {
    const type = frame.message.type ?? frame.event;
    if (type === 'metrics_updated') this.latestMetrics = { data: frame.message.data };
    const set = this.listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(frame.message.data);
      } catch (err) {
        // One faulty listener must neither starve the others nor break the stream.
        reportListenerError(err);
      }
    }
  }

  private settle(error?: RealtimeError): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (!waiter) return;
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  private setStatus(status: ConnectionStatus, error?: RealtimeError): void {
    if (status === this.status && !error) return;
    this.status = status;
    for (const listener of [...this.statusListeners]) listener(status, error);
  }
}

/** Surfaces a listener's exception the way the browser shows uncaught ones, without throwing. */
function reportListenerError(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (report) report(err);
  else console.error('[realtime] a listener threw:', err);
}

let current: WebSocketManager | null = null;

/**
 * The page-wide manager for `ownerId`: the existing one when owner and token match, otherwise a
 * new one (the old one is disconnected). Does not connect; call `connect()`.
 */
export function initWebSocket(ownerId: string, token: string, options?: ManagerOptions): WebSocketManager {
  if (current && current.ownerId === ownerId && current.usesToken(token)) return current;
  current?.disconnect();
  current = new WebSocketManager(ownerId, token, options);
  return current;
}

/** The manager `initWebSocket` made, or null. */
export function getWebSocketManager(): WebSocketManager | null {
  return current;
}

/** Disconnects and forgets the page-wide manager. */
export function closeWebSocket(): void {
  current?.disconnect();
  current = null;
}
