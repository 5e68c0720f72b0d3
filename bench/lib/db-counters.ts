/**
 * The bench database's own counters, read before and after a step: committed transactions and
 * rows inserted / updated / read (`pg_stat_database`), statements executed (`pg_stat_statements`,
 * only when the server preloads it — otherwise undefined), and the PIDs of the backends serving
 * the database (for their CPU time, see proc-cpu.ts).
 *
 * PostgreSQL 15 publishes a backend's counters at most once a second while it is busy and ten
 * seconds after it goes idle, so a difference is exact only when both readings follow ≥ 11 s of
 * quiet (the bench's `--settle`); with less, a step's last second may land in the next step.
 */
import postgres from 'postgres';

/** One reading. */
export interface DbCounters {
  xacts: number;
  inserted: number;
  updated: number;
  /** rows returned by scans + fetched by index lookups */
  read: number;
  /** `pg_stat_statements` calls in this database; undefined when unavailable. */
  statements?: number;
  /** Transactions this reader had committed before this reading (subtracted from the difference). */
  ownBefore: number;
}

/** Per-write figures from two readings. */
export interface DbPerWrite {
  xacts: number;
  inserted: number;
  updated: number;
  read: number;
  statements?: number;
}

/** A small admin connection to the bench database. */
export class DbCounterReader {
  private readonly sql: postgres.Sql;
  private statementsAvailable?: boolean;
  /** Transactions committed through this reader so far. */
  private own = 0;

  constructor(url: string) {
    this.sql = postgres(url, { max: 1, onnotice: () => {} });
  }

  /** Reads the counters (this reading is itself one transaction, or two with pg_stat_statements). */
  async read(): Promise<DbCounters> {
    const ownBefore = this.own++;
    const [r] = await this.sql<{ x: number; i: number; u: number; r: number }[]>`
      select xact_commit::float8 as x, tup_inserted::float8 as i, tup_updated::float8 as u, (tup_returned + tup_fetched)::float8 as r
      from pg_stat_database where datname = current_database()`;
    return { xacts: r.x, inserted: r.i, updated: r.u, read: r.r, statements: await this.statements(), ownBefore };
  }

  private async statements(): Promise<number | undefined> {
    if (this.statementsAvailable === false) return undefined;
    try {
      const [r] = await this.sql<{ n: number }[]>`
        select coalesce(sum(calls), 0)::float8 as n from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())`;
      this.statementsAvailable = true;
      this.own++;
      return r.n;
    } catch {
      this.statementsAvailable = false;
      return undefined;
    }
  }

  /** PIDs of the other backends connected to the bench database (the server's pool, its LISTEN session). */
  async backendPids(): Promise<number[]> {
    this.own++;
    const rows = await this.sql<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    return rows.map((r) => r.pid);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 2 });
  }
}

/** Figures per write between two readings (the reader's own transactions left out). */
export function perWrite(a: DbCounters, b: DbCounters, writes: number): DbPerWrite {
  const per = (x: number) => (writes > 0 ? x / writes : 0);
  return {
    xacts: per(b.xacts - a.xacts - (b.ownBefore - a.ownBefore)),
    inserted: per(b.inserted - a.inserted),
    updated: per(b.updated - a.updated),
    read: per(b.read - a.read),
    statements: a.statements === undefined || b.statements === undefined ? undefined : per(b.statements - a.statements),
  };
}
