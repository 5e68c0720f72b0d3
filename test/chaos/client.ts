/**
 * One chaos client: a stream reader (test/support/sse-client.ts) that, by its own seeded choices, stalls (stops
 * reading long enough for a small server queue to overflow), drops the connection, and always
 * comes back to a random instance with `Last-Event-ID` = the last id it really received (or the
 * id of a `reset {history_gap}`, which the contract makes its new position). It follows
 * `reconnect` / `reset` / stream ends like the browser client and records what it saw.
 */
import { DOMAIN_EVENT_TYPES } from '../../lib/realtime/wire/events';
import { connectStream, type SseClient } from '../support/sse-client';
import type { ClientRecord } from './model';
import { eventHash, type Rng } from './prng';

const DOMAIN = new Set<string>(DOMAIN_EVENT_TYPES);

export interface ClientEnv {
  /** Run time, ms since the run started. */
  now(): number;
  /** Base URLs by instance index; undefined while an instance is down. */
  url(instance: number): string | undefined;
  instances: number;
}

export interface ClientSpec {
  index: number;
  ownerId: number;
  who: 'owner' | 'admin';
  token: string;
  /** Never stalls or drops (the re-auth clients: their stream end must be seen when it happens). */
  steady?: boolean;
  doomed?: 'delete' | 'demote';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChaosClient {
  readonly record: ClientRecord;
  /** Where the next stream resumes: the last received id, or a `reset {history_gap}` id. */
  pos?: number;
  private current?: SseClient;
  private chaos = true;
  private stopped = false;
  private authEnded = false;
  private loop?: Promise<void>;
  private calm!: Promise<void>;
  private becomeCalm!: () => void;
  /** While set, the client stays offline (after a forced drop) until it resolves. */
  private hold?: Promise<void>;
  /**
   * Retries after a refused or failed connection draw from their own generator, so that how often
   * an instance happened to be down does not shift the client's own sequence of decisions.
   */
  private readonly retryRng: Rng;

  constructor(
    readonly spec: ClientSpec,
    private readonly rng: Rng,
    private readonly env: ClientEnv,
  ) {
    this.retryRng = rng.fork('retry');
    this.record = { index: spec.index, ownerId: spec.ownerId, who: spec.who, ids: [], hashes: [], marks: [] };
    if (spec.doomed) this.record.doomed = { kind: spec.doomed };
    this.calm = new Promise((r) => (this.becomeCalm = r));
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Whether it got its first stream (so it has a starting point). */
  get started(): boolean {
    return this.pos !== undefined;
  }

  /** Ended for good: its user lost access and a reconnect was refused. */
  get done(): boolean {
    return this.authEnded;
  }

  /** Ends the stalls and drops: from now on it reads everything and only reconnects when a stream ends. */
  quiesce(): void {
    this.chaos = false;
    this.current?.resume();
    this.becomeCalm();
  }

  /** The user lost access at run time `t`. */
  doomedAt(t: number): void {
    if (this.record.doomed) this.record.doomed.t = t;
  }

  /** Drops the stream now and stays offline until `until` settles (the replay-cap scenario). */
  dropAndHold(until: Promise<unknown>): void {
    this.hold = until.then(
      () => undefined,
      () => undefined,
    );
    this.current?.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.quiesce();
    this.current?.close();
    await this.loop;
  }

  private mark(m: Record<string, unknown> & { k: string }): void {
    this.record.marks.push({ ...m, at: this.record.ids.length, t: this.env.now() } as ClientRecord['marks'][number]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped && !this.authEnded) {
      if (this.hold) {
        await this.hold;
        this.hold = undefined;
      }
      const instance = (failures > 0 ? this.retryRng : this.rng).int(0, this.env.instances - 1);
      const url = this.env.url(instance);
      if (!url) {
        failures++;
        await sleep(50 + this.retryRng.int(0, 100));
        continue;
      }
      this.mark({ k: 'attempt', instance, lastEventId: this.pos });
      let s: SseClient;
      try {
        s = await connectStream(url, {
          token: this.spec.token,
          ownerId: this.spec.who === 'admin' ? this.spec.ownerId : undefined,
          lastEventId: this.pos,
        });
      } catch (err) {
        this.mark({ k: 'refused', instance, status: 0, error: (err as Error).message });
        await sleep(Math.min(1000, 50 * 2 ** Math.min(failures++, 4)) + this.retryRng.int(0, 50));
        continue;
      }
      if (s.status !== 200) {
        const body = (await s.response.json().catch(() => ({}))) as { error?: string };
        this.mark({ k: 'refused', instance, status: s.status, error: body.error });
        if ((s.status === 401 || s.status === 403) && this.record.doomed?.t !== undefined) {
          this.authEnded = true;
          break;
        }
        await sleep(Math.min(1000, 100 * 2 ** Math.min(failures++, 3)) + this.retryRng.int(0, 100));
        continue;
      }
      failures = 0;
      this.current = s;
      await this.consume(s, instance);
      this.current = undefined;
      if (!this.stopped) await sleep(this.rng.int(20, 200));
    }
  }

  /** Reads one stream until it ends, stalling or dropping it by the client's own choices. */
  private async consume(s: SseClient, instance: number): Promise<void> {
    let nextAction = this.env.now() + this.rng.int(300, 3000);
    for (;;) {
      this.drain(s, instance);
      if (this.stopped || this.hold) {
        s.close();
        this.drain(s, instance);
        this.mark({ k: 'end', cause: this.stopped ? 'stop' : 'drop' });
        return;
      }
      if (s.ended) {
        this.mark({ k: 'end', cause: 'server' });
        return;
      }
      if (this.chaos && !this.spec.steady && this.env.now() >= nextAction) {
        const action = this.rng.weighted([
          [5, 'stall'],
          [3, 'drop'],
          [4, 'read'],
        ] as const);
        nextAction = this.env.now() + this.rng.int(300, 3000);
        if (action === 'stall') {
          const ms = this.rng.int(500, 5000);
          this.mark({ k: 'stall', ms });
          s.pause();
          await Promise.race([sleep(ms), this.calm]);
          s.resume();
        } else if (action === 'drop') {
          s.close();
          this.drain(s, instance);
          this.mark({ k: 'end', cause: 'drop' });
          return;
        }
        continue;
      }
      const wakeAt = this.chaos && !this.spec.steady ? nextAction : Number.POSITIVE_INFINITY;
      await s.until(() => s.frames.length > 0 || s.ended || this.stopped || !!this.hold || this.env.now() >= wakeAt, 3_600_000).catch(() => undefined);
    }
  }

  /** Takes the frames read so far off the reader and into the record. */
  private drain(s: SseClient, instance: number): void {
    const frames = s.frames.splice(0);
    for (const f of frames) {
      const env = f.envelope;
      if (env.ownerId !== String(this.spec.ownerId)) {
        this.mark({ k: 'foreign', event: f.event, ownerId: env.ownerId, id: f.id });
        continue;
      }
      if (DOMAIN.has(f.event) && f.id !== undefined) {
        const id = Number(f.id);
        this.record.ids.push(id);
        this.record.hashes.push(eventHash(f.event, env.data));
        this.pos = id;
        continue;
      }
      switch (f.event) {
        case 'connected': {
          const id = f.id === undefined || f.id === '' ? undefined : Number(f.id);
          this.mark({ k: 'connected', instance, id, lastEventId: env.data?.lastEventId ?? null });
          if (this.pos === undefined && id !== undefined) {
            this.pos = id;
            this.record.start = id;
          }
          break;
        }
        case 'reset': {
          const id = f.id === undefined || f.id === '' ? undefined : Number(f.id);
          const hint = env.data?.lastEventId === undefined ? undefined : Number(env.data.lastEventId);
          this.mark({ k: 'reset', reason: String(env.data?.reason), id, hint });
          // Only a history gap moves the position (its id is the head); after an overflow the
          // client resumes from what it really received.
          if (env.data?.reason === 'history_gap' && id !== undefined) this.pos = id;
          break;
        }
        case 'metrics_updated':
        case 'pong':
          break;
        default:
          this.mark({ k: 'frame', event: f.event, data: env.data });
      }
    }
  }
}
