/**
 * The orchestrator's side of the client workers: forks them (bench/client-worker.ts), spreads
 * the streams over them round-robin, and turns their IPC replies into awaitable results.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ReceiptMatch, StreamSpec, WorkerCommand, WorkerReply, WorkerStatus } from './protocol';
import { nowMs } from './stats';

type ReplyOf<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>;

/** Sum of the workers' counters. */
export function mergeStatus(list: WorkerStatus[]): WorkerStatus {
  const out: WorkerStatus = { total: 0, live: 0, errors: {}, drops: 0, receipts: 0, frames: {} };
  for (const s of list) {
    out.total += s.total;
    out.live += s.live;
    out.drops += s.drops;
    out.receipts += s.receipts;
    for (const [k, v] of Object.entries(s.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.frames)) out.frames[k] = (out.frames[k] ?? 0) + v;
  }
  return out;
}

class Worker {
  private readonly waiters = new Map<string, ((m: WorkerReply) => void)[]>();

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: WorkerReply) => this.waiters.get(m.type)?.shift()?.(m));
  }

  send(cmd: WorkerCommand): void {
    this.proc.send(cmd);
  }

  /** The next reply of `type` (replies nobody waits for are dropped), or a timeout error. */
  next<T extends WorkerReply['type']>(type: T, timeoutMs: number): Promise<ReplyOf<T>> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(type) ?? [];
      const timer = setTimeout(() => {
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        reject(new Error(`worker ${this.proc.pid}: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (m: WorkerReply) => {
        clearTimeout(timer);
        resolve(m as ReplyOf<T>);
      };
      list.push(done);
      this.waiters.set(type, list);
    });
  }
}

/** Result of opening (or re-opening) every stream. */
export interface LiveResult {
  /** From the command to the last `connected`, ms. */
  ms: number;
  status: WorkerStatus;
}

/** A set of client worker processes holding the streams. */
export class ClientPool {
  private readonly workers: Worker[];

  constructor(count: number) {
    const file = join(import.meta.dirname, '..', 'client-worker.ts');
    this.workers = Array.from(
      { length: count },
      () => new Worker(fork(file, [], { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'], stdio: 'inherit' })),
    );
  }

  /** Opens `streams` (at most `concurrency` connects in flight per worker) and waits until all are live; `match`: what receipts record. */
  async open(
    port: number,
    path: string,
    streams: StreamSpec[],
    concurrency: number,
    timeoutMs: number,
    liveOn: 'connected' | 'metrics_updated' = 'connected',
    match: ReceiptMatch = 'seq',
  ): Promise<LiveResult> {
    const t0 = nowMs();
    const waits = this.workers.map((w) => w.next('all-live', timeoutMs));
    this.workers.forEach((w, i) =>
      w.send({ cmd: 'open', port, path, streams: streams.filter((_, j) => j % this.workers.length === i), concurrency, liveOn, match }),
    );
    return this.collectLive(t0, waits);
  }

  /** Every client drops its stream and reconnects at once with Last-Event-ID; waits until all are live. */
  async storm(timeoutMs: number): Promise<LiveResult> {
    const t0 = nowMs();
    const waits = this.workers.map((w) => w.next('all-live', timeoutMs));
    for (const w of this.workers) w.send({ cmd: 'storm' });
    return this.collectLive(t0, waits);
  }

  private async collectLive(t0: number, waits: Promise<ReplyOf<'all-live'>>[]): Promise<LiveResult> {
    const replies = await Promise.all(waits);
    return { ms: Math.max(...replies.map((r) => r.at)) - t0, status: mergeStatus(replies.map((r) => r.status)) };
  }

  async status(): Promise<WorkerStatus> {
    const waits = this.workers.map((w) => w.next('status', 30_000));
    for (const w of this.workers) w.send({ cmd: 'status' });
    return mergeStatus((await Promise.all(waits)).map((r) => r.status));
  }

  /** Every receipt (ownerId, seq, receivedAt triples) recorded since the last take. */
  async take(): Promise<number[]> {
    const waits = this.workers.map((w) => w.next('receipts', 60_000));
    for (const w of this.workers) w.send({ cmd: 'take' });
    return (await Promise.all(waits)).flatMap((r) => r.data);
  }

  /** Polls until at least `expected` receipts are waiting (or the timeout); returns how many there are. */
  async waitReceipts(expected: number, timeoutMs: number): Promise<number> {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      const n = (await this.status()).receipts;
      if (n >= expected || nowMs() > deadline) return n;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Closes every stream and ends the workers. */
  async close(): Promise<void> {
    const waits = this.workers.map((w) => w.next('closed', 10_000).catch(() => undefined));
    for (const w of this.workers) if (w.proc.connected) w.send({ cmd: 'close' });
    await Promise.all(waits);
    for (const w of this.workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  }
}
