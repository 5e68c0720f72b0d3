/**
 * The chaos run's servers: N real instances on one PostgreSQL database (test/cluster.ts
 * `startInstance`: `server.ts`, or `next start` for the route transport), each restartable on its
 * own port, plus the faults that act on them: SIGKILL (and restart), and killing the backend of
 * an instance's LISTEN connection.
 */
import { createServer } from 'node:net';
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../lib/db/client';
import { startInstance, type Instance } from '../support/servers';

export type Transport = 'node' | 'route';

/**
 * A free port in the hundred from `base` (default 3400–3499, the chaos runs'), starting from `from`.
 * Each test file that starts servers has a range of its own: a port found free here may still be
 * taken by another file's server that is booting, and a client of ours would then reach it.
 */
export async function freePort(from: number, taken: ReadonlySet<number> = new Set(), base = 3400): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = base + ((from - base + i) % 100);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${base}-${base + 99}`);
}

/** Every server this process started and has not seen exit: killed if the test process exits first. */
const live = new Set<Instance>();
let exitHook = false;
function track(inst: Instance): void {
  live.add(inst);
  inst.proc.once('exit', () => live.delete(inst));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const i of live) i.proc.kill('SIGKILL');
  });
}

export class Slot {
  current?: Instance;
  starts = 0;
  /** Output of every process this slot ran (for diagnosis). */
  readonly output: string[] = [];

  constructor(
    readonly index: number,
    readonly transport: Transport,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get name(): string {
    return `i${this.index}/${this.transport}`;
  }

  get url(): string | undefined {
    return this.current ? `http://127.0.0.1:${this.port}` : undefined;
  }

  async start(): Promise<void> {
    const env = { ...this.env, ...(this.transport === 'route' ? { WS_TRANSPORT: 'route' } : {}) };
    const inst = await startInstance(this.port, env);
    track(inst);
    this.starts++;
    inst.proc.once('exit', () => {
      this.output.push(...inst.output.splice(0));
      if (this.current === inst) this.current = undefined;
    });
    this.current = inst;
  }

  /** SIGKILL: streams break without `reconnect`; the port is free again once it exited. */
  async kill(): Promise<void> {
    const inst = this.current;
    this.current = undefined;
    await inst?.kill();
  }

  async stop(): Promise<void> {
    const inst = this.current;
    this.current = undefined;
    inst?.proc.kill('SIGCONT'); // a frozen process would keep SIGTERM pending
    await inst?.stop();
  }

  /**
   * SIGSTOP for `ms`, then SIGCONT: the process freezes (as in a long GC pause or a starved host)
   * while the others and the writers go on; its sockets and LISTEN stay open.
   */
  async freeze(ms: number): Promise<boolean> {
    const inst = this.current;
    if (!inst) return false;
    inst.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, ms));
    inst.proc.kill('SIGCONT');
    return true;
  }

  /** The prefix of this process's `application_name` (`hangarshare:<pid base 36>…`). */
  appNamePrefix(): string | undefined {
    const pid = this.current?.proc.pid;
    return pid === undefined ? undefined : `hangarshare:${pid.toString(36)}`;
  }
}

/**
 * Terminates the LISTEN backends of one instance (or of every instance in this database); returns
 * how many went. Filtered by database, so other suites' servers on the same PostgreSQL are safe.
 */
export async function killListen(db: Db, slot?: Slot): Promise<number> {
  const prefix = slot ? slot.appNamePrefix() : 'hangarshare:';
  if (!prefix) return 0;
  const r = await rows<{ n: number }>(
    db,
    sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and query ilike 'listen%' and application_name like ${`${prefix}%`}`,
  );
  return r[0]?.n ?? 0;
}
