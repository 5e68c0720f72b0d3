/**
 * Where the machine's CPU went during a bench step, from /proc alone (Linux): every process's
 * user + system time (`/proc/<pid>/stat` utime + stime) and the machine's busy time
 * (`/proc/stat`), sampled before and after. A difference of two samples splits the CPU between
 * the server under test (its process tree), the PostgreSQL backends serving the bench database,
 * the bench's own processes and everything else — which says whether another process was busy.
 */
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Proc {
  comm: string;
  ppid: number;
  /** utime + stime, ms */
  cpuMs: number;
}

/** One reading of the machine. */
export interface CpuSample {
  at: number;
  /** Busy (non-idle, non-iowait) time of all cores, ms. */
  busyMs: number;
  procs: Map<number, Proc>;
}

function readProc(pid: number): Proc | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid … utime is field 14 overall, i.e. index 11 here.
    return { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** Reads every process and the machine's busy time. */
export function sampleCpu(): CpuSample {
  const procs = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) procs.set(Number(name), p);
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const busy = total - cpu[3] - cpu[4];
  return { at: performance.timeOrigin + performance.now(), busyMs: (busy * 1000) / CLK_TCK, procs };
}

/** CPU ms used by `pid` and its descendants so far (0 when it is gone). */
export function treeCpuMs(sample: CpuSample, pid: number): number {
  let sum = 0;
  for (const p of treeOf(sample, pid)) sum += sample.procs.get(p)?.cpuMs ?? 0;
  return sum;
}

/** `pid` and every process descended from it. */
function treeOf(sample: CpuSample, pid: number): Set<number> {
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, info] of sample.procs) {
      if (tree.has(p) || !tree.has(info.ppid)) continue;
      tree.add(p);
      grew = true;
    }
  }
  return tree;
}

/** CPU shares over a step, in % of one core (200 % = both cores of a 2-core machine). */
export interface CpuSplit {
  machinePct: number;
  serverPct: number;
  /** PostgreSQL backends of the bench database. */
  postgresPct: number;
  /** This process and its children other than the server (client workers). */
  benchPct: number;
  othersPct: number;
  /** The busiest other programs, by name, % of one core. */
  topOthers: [string, number][];
  /** Cores of the machine. */
  cores: number;
}

/** Splits the CPU used between two samples; `dbPids`: the bench database's backends. */
export function splitCpu(a: CpuSample, b: CpuSample, serverPid: number, dbPids: number[]): CpuSplit {
  const wall = b.at - a.at;
  const pct = (ms: number) => (100 * ms) / wall;
  const used = (pid: number) => Math.max(0, (b.procs.get(pid)?.cpuMs ?? 0) - (a.procs.get(pid)?.cpuMs ?? 0));
  const server = treeOf(b, serverPid);
  const bench = treeOf(b, process.pid);
  const db = new Set(dbPids);
  const split = { server: 0, postgres: 0, bench: 0, others: 0 };
  const byName = new Map<string, number>();
  for (const [pid, info] of b.procs) {
    const ms = used(pid);
    if (server.has(pid)) split.server += ms;
    else if (db.has(pid)) split.postgres += ms;
    else if (bench.has(pid)) split.bench += ms;
    else {
      split.others += ms;
      byName.set(info.comm, (byName.get(info.comm) ?? 0) + ms);
    }
  }
  const topOthers = [...byName]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3)
    .map(([n, ms]): [string, number] => [n, Math.round(pct(ms))]);
  return {
    machinePct: pct(b.busyMs - a.busyMs),
    serverPct: pct(split.server),
    postgresPct: pct(split.postgres),
    benchPct: pct(split.bench),
    othersPct: pct(split.others),
    topOthers,
    cores: cpus().length,
  };
}
