/**
 * One stream per owner per browser, however many tabs show that owner. The tabs elect a leader
 * with the Web Locks API (lock `hangarshare:<ownerId>`, held for as long as the leader streams);
 * the leader runs the `StreamLoop` and rebroadcasts every frame and status change on a
 * `BroadcastChannel` of the same name. Followers track the last event id too, so when the leader
 * goes (tab closed: the browser releases the lock; `disconnect()`: it releases it itself), the
 * next tab in the lock queue resumes with `Last-Event-ID` and nothing is lost or repeated.
 *
 * Every `SharedStream` is an independent participant, even two in one tab: stopping a follower
 * never touches the leader, and stopping the leader only hands the stream to the next tab.
 * Tabs trust each other: they share an origin, and so already share the token in localStorage.
 */
import { trackFrame } from './cursor';
import type { RealtimeError } from './errors';
import { StreamLoop, type LoopConfig, type LoopEvents } from './reconnect-loop';
import type { ConnectionStatus, Frame } from './types';

/** What a manager drives: a stream of its own, or a share of the leader tab's. */
export interface StreamLink {
  start(): void;
  stop(): void;
  /** Skips the wait before the next reconnect attempt (the user asked, the network came back). */
  retryNow(): void;
  /** The server's id of the stream this tab's frames come from (for client messages). */
  readonly connectionId: string | undefined;
}

/** The browser APIs tab sharing needs; injectable for tests. */
export interface TabEnvironment {
  locks: Pick<LockManager, 'request'>;
  channel(name: string): BroadcastChannel;
}

/** The real APIs, or null where either is missing (then each tab streams on its own). */
export function browserTabEnvironment(): TabEnvironment | null {
  if (typeof navigator === 'undefined' || !navigator.locks || typeof BroadcastChannel === 'undefined') return null;
  return { locks: navigator.locks, channel: (name) => new BroadcastChannel(name) };
}

/** The messages tabs exchange. */
type TabMessage =
  | { k: 'frame'; frame: Frame }
  | { k: 'status'; status: ConnectionStatus; connectionId?: string }
  | { k: 'hello'; from: string }
  | { k: 'state'; to: string; status: ConnectionStatus; connectionId?: string; cursor: string | null; metrics?: Frame }
  | { k: 'leaving' };

/** A participant in the owner's tab group; leader or follower as the lock decides. */
export class SharedStream implements StreamLink {
  private readonly id = Math.random().toString(36).slice(2);
  private channel: BroadcastChannel | undefined;
  private loop: StreamLoop | undefined;
  private lockAbort: AbortController | undefined;
  private releaseLock: (() => void) | undefined;
  private stopped = false;
  private status: ConnectionStatus = 'disconnected';
  private everConnected = false;
  private leaderConnectionId: string | undefined;
  private metrics: Frame | undefined;

  constructor(
    private readonly cfg: LoopConfig,
    private readonly events: LoopEvents,
    private readonly env: TabEnvironment,
  ) {}

  get connectionId(): string | undefined {
    return this.loop ? this.loop.connectionId : this.leaderConnectionId;
  }

  /** True while this participant holds the stream. */
  get isLeader(): boolean {
    return this.loop !== undefined;
  }

  /** Joins the group: asks the leader for its state, and queues for the lock. */
  start(): void {
    const name = `hangarshare:${this.cfg.ownerId}`;
    this.setStatus('connecting');
    this.channel = this.env.channel(name);
    this.channel.onmessage = (e: MessageEvent) => this.onMessage(e.data as TabMessage);
    this.post({ k: 'hello', from: this.id });
    this.lockAbort = new AbortController();
    this.env.locks
      .request(name, { signal: this.lockAbort.signal }, () => this.lead())
      .catch((err: unknown) => {
        if (this.stopped || (err as { name?: string })?.name === 'AbortError') return;
        this.startLoop(); // locks refused (an opaque origin, a policy): stream on our own
      });
  }

  /** A leader retries at once; a follower has no stream of its own to retry. */
  retryNow(): void {
    this.loop?.retryNow();
  }

  /** Leaves the group; a leader stops its stream and releases the lock to the next tab. */
  stop(error?: RealtimeError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.lockAbort?.abort();
    const loop = this.loop;
    this.loop = undefined;
    if (loop) {
      loop.stop();
      this.post({ k: 'leaving' });
    }
    this.releaseLock?.();
    this.channel?.close();
    this.setStatus('disconnected', error);
  }

  /** The lock callback: lead until `stop()` resolves the promise (the browser frees it on unload). */
  private lead(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.releaseLock = resolve;
      this.startLoop();
    });
  }

  private startLoop(): void {
    const loop: StreamLoop = new StreamLoop(this.cfg, {
      frame: (frame) => {
        if (frame.event === 'metrics_updated') this.metrics = frame;
        this.post({ k: 'frame', frame });
        this.events.frame(frame);
      },
      status: (status, error) => this.onLoopStatus(loop, status, error),
    });
    this.loop = loop;
    loop.start();
  }

  private onLoopStatus(loop: StreamLoop, status: ConnectionStatus, error?: RealtimeError): void {
    if (this.loop !== loop) return;
    this.post({ k: 'status', status, connectionId: loop.connectionId });
    // The loop stops on its own only for a refusal: give the stream to a tab that may do better.
    if (status === 'disconnected') return this.stop(error);
    this.setStatus(status === 'connecting' && this.everConnected ? 'reconnecting' : status);
  }

  private onMessage(m: TabMessage): void {
    if (this.stopped) return;
    if (m.k === 'hello') return this.answerHello(m.from);
    if (this.loop) return; // the leader's own stream is the truth
    if (m.k === 'frame') return this.onRemoteFrame(m.frame);
    if (m.k === 'leaving') return this.setStatus(this.everConnected ? 'reconnecting' : 'connecting');
    if (m.k === 'state' && m.to !== this.id) return;
    if (m.k === 'state') {
      this.cfg.cursor.advance(m.cursor);
      if (m.metrics && !this.metrics) this.onRemoteFrame(m.metrics);
    }
    this.leaderConnectionId = m.connectionId;
    this.setStatus(this.followerStatus(m.status));
  }

  private answerHello(to: string): void {
    const loop = this.loop;
    if (!loop) return;
    this.post({ k: 'state', to, status: loop.status, connectionId: loop.connectionId, cursor: this.cfg.cursor.value, metrics: this.metrics });
  }

  private onRemoteFrame(frame: Frame): void {
    if (!trackFrame(this.cfg.cursor, frame)) return;
    if (frame.event === 'metrics_updated') this.metrics = frame;
    this.events.frame(frame);
  }

  /** A leader that stops or starts over means a new stream is on its way. */
  private followerStatus(leader: ConnectionStatus): ConnectionStatus {
    if (leader === 'connected') return 'connected';
    return this.everConnected ? 'reconnecting' : 'connecting';
  }

  private post(message: TabMessage): void {
    try {
      this.channel?.postMessage(message);
    } catch {
      // The channel is closed (the tab is going away); there is nobody left to tell.
    }
  }

  private setStatus(status: ConnectionStatus, error?: RealtimeError): void {
    if (status === this.status && !error) return;
    if (status === 'connected') this.everConnected = true;
    this.status = status;
    this.events.status(status, error);
  }
}
