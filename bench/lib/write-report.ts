/**
 * Results of the write bench: bench/out/write-results.json (every step; a new ladder of a
 * server × N × write replaces the old one) rendered as Markdown — one table per server and N, then
 * each server's ratios to the floor at the highest rate both sustained.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Machine } from './report';
import { fmt } from './stats';
import type { WriteKind } from './write-load';
import type { StepResult } from './write-step';
import type { WriteTargetKind } from './write-targets';

/** The results file. */
export interface WriteResults {
  machine?: Machine;
  command?: string;
  steps: StepResult[];
}

const ladderKey = (s: StepResult) => `${s.target}:${s.n}:${s.kind}`;

/** Reads the results file (empty when missing). */
export function loadWriteResults(file: string): WriteResults {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as WriteResults) : { steps: [] };
}

/** Appends a step; the first step of a ladder in this invocation (`fresh` tracks them) drops that ladder's older steps. */
export function saveStep(file: string, step: StepResult, meta: { machine: Machine; command: string }, fresh: Set<string>): void {
  const all = loadWriteResults(file);
  const key = ladderKey(step);
  if (!fresh.has(key)) {
    fresh.add(key);
    all.steps = all.steps.filter((s) => ladderKey(s) !== key);
  }
  all.steps.push(step);
  writeFileSync(file, JSON.stringify({ ...all, ...meta }, null, 1));
}

const LABEL: Record<WriteTargetKind, string> = {
  node: 'Node transport (server.ts)',
  route: 'Route handler (next start)',
  floor: 'Write floor (raw node:http + postgres.js)',
  old: 'Old build (server.ts of BENCH_OLD_ROOT)',
};
const pct4 = (p: { p50: number; p95: number; p99: number; max: number }) => `${fmt(p.p50, 0)} / ${fmt(p.p95, 0)} / ${fmt(p.p99, 0)} / ${fmt(p.max, 0)}`;
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '–' : `${fmt(a / b, 2)}×`);

function stepRow(s: StepResult): string {
  const d = s.delivery;
  const errors = Object.entries(s.errors)
    .map(([k, v]) => `${v}×${k}`)
    .join(' ');
  const c = s.cpu;
  return [
    '',
    s.kind,
    fmt(s.rate, 0),
    `${fmt(s.achieved, 0)}${s.saturated ? ' **sat**' : ''}${errors ? ` (${errors})` : ''}`,
    pct4(s.post),
    d ? `${pct4(d)} (${d.count}/${d.expected})` : '–',
    `${fmt(s.serverCpuMsPerWrite, 2)} (${fmt(s.serverCpuMsPerWriteNet, 2)})`,
    fmt(s.postgresCpuMsPerWrite, 2),
    `${fmt(s.db.xacts, 2)}${s.db.statements === undefined ? '' : ` / ${fmt(s.db.statements, 1)}`}`,
    `${fmt(s.db.inserted, 1)} / ${fmt(s.db.updated, 1)} / ${fmt(s.db.read, 0)}`,
    `${fmt(c.serverPct, 0)} / ${fmt(c.postgresPct, 0)} / ${fmt(c.benchPct, 0)} / ${fmt(c.othersPct, 0)}${c.topOthers[0] ? ` (${c.topOthers[0][0]} ${c.topOthers[0][1]})` : ''}`,
    fmt(s.loadAvg[0], 1),
    '',
  ]
    .join(' | ')
    .trim();
}

const HEAD = [
  '| write | offered/s | achieved/s | request p50 / p95 / p99 / max ms | request → frame p50 / p95 / p99 / max ms (deliveries) | server CPU ms/write (net of idle) | PG CPU ms/write | xacts/write | rows ins / upd / read per write | CPU % of a core: server / PG / bench / others (busiest other) | load 1 min |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];

/** One table per server and N, every step. */
export function stepTables(all: WriteResults, targets: WriteTargetKind[]): string {
  const out: string[] = [];
  const sizes = [...new Set(all.steps.map((s) => s.n))].sort((a, b) => a - b);
  for (const t of targets) {
    for (const n of sizes) {
      const steps = all.steps.filter((s) => s.target === t && s.n === n);
      if (steps.length === 0) continue;
      const idle = `idle server CPU ${fmt(steps[0].idleServerPct, 1)} % of a core`;
      out.push(`**${LABEL[t]}, N = ${n.toLocaleString('en-US')} streams over ${steps[0].owners} owners** (${idle})`, '', ...HEAD, ...steps.map(stepRow), '');
    }
  }
  return out.join('\n');
}

/** The step's ladder's best sustained rate (highest achieved among unsaturated steps; else the best achieved). */
function sustained(steps: StepResult[]): number {
  const ok = steps.filter((s) => !s.saturated);
  return Math.max(0, ...(ok.length ? ok : steps).map((s) => s.achieved));
}

function ratioRow(n: number, kind: WriteKind, mine: StepResult[], floor: StepResult[]): string {
  const both = mine.filter((s) => !s.saturated && floor.some((f) => f.rate === s.rate && !f.saturated)).map((s) => s.rate);
  const r = Math.max(...both);
  const a = mine.find((s) => s.rate === r);
  const f = floor.find((s) => s.rate === r);
  const at = (x: number | undefined, y: number | undefined, d = 1) => `${fmt(x, d)} vs ${fmt(y, d)} (${ratio(x, y)})`;
  return `| ${n.toLocaleString('en-US')} | ${kind} | ${at(sustained(mine), sustained(floor), 0)} | ${a ? r : '–'} | ${at(a?.serverCpuMsPerWriteNet, f?.serverCpuMsPerWriteNet, 2)} | ${at(a?.post.p99, f?.post.p99)} | ${a?.delivery ? at(a.delivery.p99, f?.delivery?.p99) : '–'} |`;
}

/** Each server's ratios to the floor, per N and write: sustained writes/s, and CPU/write and p99s at the highest rate both sustained. */
export function floorRatios(all: WriteResults, targets: WriteTargetKind[]): string {
  const out: string[] = [];
  for (const t of targets.filter((x) => x !== 'floor')) {
    out.push(
      `**${LABEL[t]} ÷ floor**`,
      '',
      '| N | write | sustained writes/s (server vs floor) | at rate /s | server CPU ms/write, net of idle | request p99 ms | request → frame p99 ms |',
      '|---:|---|---:|---:|---:|---:|---:|',
    );
    const keys = [...new Set(all.steps.filter((s) => s.target === t).map((s) => `${s.n}:${s.kind}`))];
    for (const key of keys) {
      const [n, kind] = [Number(key.split(':')[0]), key.split(':')[1] as WriteKind];
      const pick = (x: WriteTargetKind) => all.steps.filter((s) => s.target === x && s.n === n && s.kind === kind);
      out.push(ratioRow(n, kind, pick(t), pick('floor')));
    }
    out.push('');
  }
  return out.join('\n');
}

/** A one-line console summary of a step. */
export function stepLine(s: StepResult): string {
  const d = s.delivery ? ` · frame p50/p99 ${fmt(s.delivery.p50, 0)}/${fmt(s.delivery.p99, 0)} ms (${s.delivery.count}/${s.delivery.expected})` : '';
  const errors = Object.keys(s.errors).length ? ` · errors ${JSON.stringify(s.errors)}` : '';
  return `  ${s.kind} @ ${s.rate}/s: achieved ${fmt(s.achieved, 0)}/s · request p50/p99 ${fmt(s.post.p50, 0)}/${fmt(s.post.p99, 0)} ms${d} · server ${fmt(s.serverCpuMsPerWrite, 2)} ms CPU/write (net ${fmt(s.serverCpuMsPerWriteNet, 2)}), PG ${fmt(s.postgresCpuMsPerWrite, 2)} · ${fmt(s.db.xacts, 2)} xacts/write · CPU% server/pg/bench/others ${fmt(s.cpu.serverPct, 0)}/${fmt(s.cpu.postgresPct, 0)}/${fmt(s.cpu.benchPct, 0)}/${fmt(s.cpu.othersPct, 0)} · load ${fmt(s.loadAvg[0], 1)}${errors}${s.saturated ? ' · SATURATED' : ''}`;
}
