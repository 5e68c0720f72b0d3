/**
 * Results of the stream bench: kept in bench/out/stream-results.json (one entry per
 * transport × N, the newest run wins) and rendered as tables with ratios to the floor.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { RunResult } from './run';
import { fmt } from './stats';
import type { TargetKind } from './targets';

/** The machine a result was measured on. */
export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  postgres: string;
  date: string;
  commit: string;
}

/** The results file. */
export interface ResultsFile {
  machine?: Machine;
  runs: Record<string, RunResult>;
}

/** Reads the results file (empty when missing). */
export function loadResults(file: string): ResultsFile {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResultsFile) : { runs: {} };
}

/** Adds a run (replacing the previous one of the same transport and N) and writes the file. */
export function saveRun(file: string, run: RunResult, machine: Machine): void {
  const all = loadResults(file);
  all.machine = machine;
  all.runs[`${run.transport}:${run.n}`] = run;
  writeFileSync(file, JSON.stringify(all, null, 1));
}

/** nproc, CPU, Node, PostgreSQL version, date and git commit. */
export function describeMachine(postgresVersion: string): Machine {
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version, postgres: postgresVersion, date: new Date().toISOString(), commit };
}

const LABEL: Record<TargetKind, string> = {
  node: 'Node transport (server.ts)',
  route: 'Route handler (next start)',
  floor: 'Floor (raw node:http)',
  floorb: 'Prototype: floor with one log read per NOTIFY burst',
  empty: 'Empty Next route (holds a ReadableStream)',
  proto: 'Prototype: server.ts with listen backlog 4096',
  nopoll: 'Diagnosis: server.ts with the metrics poller stopped',
  old: 'Old build: server.ts of BENCH_OLD_ROOT',
};

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '–' : `${fmt(a / b, 2)}×`);

/** Markdown tables, one per transport, with each value's ratio to the floor's at the same N. */
export function markdownTables(all: ResultsFile, transports: TargetKind[]): string {
  const out: string[] = [];
  for (const t of transports) {
    const runs = Object.values(all.runs)
      .filter((r) => r.transport === t)
      .sort((a, b) => a.n - b.n);
    if (runs.length === 0) continue;
    out.push(`**${LABEL[t]}**`, '');
    out.push('| N | owners | connect/s | heap KB/stream | RSS KB/stream | p50 ms | p95 ms | p99 ms | max ms | broadcast ms (median / worst) | storm s |');
    out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of runs) out.push(row(r));
    if (t !== 'floor') {
      out.push('', `Ratios to the floor at the same N (${t} ÷ floor):`, '');
      out.push('| N | connect time | heap/stream | RSS/stream | p50 | p99 | broadcast (median) | storm |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of runs) out.push(ratioRow(r, all.runs[`floor:${r.n}`]));
    }
    out.push('');
  }
  return out.join('\n');
}

function row(r: RunResult): string {
  const l = r.steady?.latency;
  const b = r.broadcast;
  return `| ${r.n.toLocaleString('en-US')} | ${r.owners} | ${fmt(r.connect.perSecond, 0)} | ${fmt(r.memory.heapPerStreamKB, 2)} | ${fmt(r.memory.rssPerStreamKB, 2)} | ${fmt(l?.p50)} | ${fmt(l?.p95)} | ${fmt(l?.p99)} | ${fmt(l?.max)} | ${b ? `${fmt(b.medianMs, 0)} / ${fmt(b.maxMs, 0)}` : '–'} | ${fmt(r.storm ? r.storm.ms / 1000 : undefined, 2)} |`;
}

function ratioRow(r: RunResult, f: RunResult | undefined): string {
  if (!f) return `| ${r.n.toLocaleString('en-US')} | no floor run | | | | | | |`;
  return `| ${r.n.toLocaleString('en-US')} | ${ratio(r.connect.ms, f.connect.ms)} | ${ratio(r.memory.heapPerStreamKB, f.memory.heapPerStreamKB)} | ${ratio(r.memory.rssPerStreamKB, f.memory.rssPerStreamKB)} | ${ratio(r.steady?.latency.p50, f.steady?.latency.p50)} | ${ratio(r.steady?.latency.p99, f.steady?.latency.p99)} | ${ratio(r.broadcast?.medianMs, f.broadcast?.medianMs)} | ${ratio(r.storm?.ms, f.storm?.ms)} |`;
}

/** A compact console summary of one run. */
export function consoleLine(r: RunResult, floor?: RunResult): string {
  const l = r.steady?.latency;
  const parts = [
    `${r.transport} N=${r.n}`,
    `connect ${fmt(r.connect.perSecond, 0)}/s`,
    `heap ${fmt(r.memory.heapPerStreamKB, 2)} KB/stream (${ratio(r.memory.heapPerStreamKB, floor?.memory.heapPerStreamKB)} floor)`,
    `RSS ${fmt(r.memory.rssPerStreamKB, 2)} KB/stream`,
  ];
  if (l)
    parts.push(`latency p50/p95/p99/max ${fmt(l.p50)}/${fmt(l.p95)}/${fmt(l.p99)}/${fmt(l.max)} ms (p99 ${ratio(l.p99, floor?.steady?.latency.p99)} floor)`);
  if (r.broadcast) parts.push(`broadcast ${fmt(r.broadcast.medianMs, 0)} ms (worst ${fmt(r.broadcast.maxMs, 0)})`);
  if (r.storm) parts.push(`storm ${fmt(r.storm.ms / 1000, 2)} s (${ratio(r.storm.ms, floor?.storm?.ms)} floor)`);
  return parts.join(' · ');
}
