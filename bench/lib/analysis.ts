/**
 * Turns raw bench data into numbers: receipt/commit joins for latency and broadcast delivery,
 * and summaries of CPU profiles and heap snapshots taken through the probe.
 */
import { readFileSync } from 'node:fs';
import { percentiles, type Percentiles } from './stats';

/** Map key of one event: (ownerId, seq) → a single safe integer. */
export const eventKey = (ownerId: number, seq: number): number => ownerId * 1e9 + seq;

/** Commit time by event key, from flattened (ownerId, seq, committedAt) triples. */
export function commitTimes(triples: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < triples.length; i += 3) m.set(eventKey(triples[i], triples[i + 1]), triples[i + 2]);
  return m;
}

/** Latencies (receipt − commit, ms) of the receipts whose event is in `commits`. */
export function latencies(receipts: number[], commits: Map<number, number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < receipts.length; i += 3) {
    const c = commits.get(eventKey(receipts[i], receipts[i + 1]));
    if (c !== undefined) out.push(receipts[i + 2] - c);
  }
  return out;
}

/** The worst latency among the events committed in each second of the phase (ms), to tell one stall from a spread tail. */
export function worstBySecond(receipts: number[], commits: Map<number, number>): number[] {
  let t0 = Infinity;
  for (const c of commits.values()) t0 = Math.min(t0, c);
  const worst: number[] = [];
  for (let i = 0; i < receipts.length; i += 3) {
    const c = commits.get(eventKey(receipts[i], receipts[i + 1]));
    if (c === undefined) continue;
    const s = Math.floor((c - t0) / 1000);
    worst[s] = Math.max(worst[s] ?? 0, receipts[i + 2] - c);
  }
  return Array.from(worst, (v) => Math.round(v ?? 0));
}

/** One broadcast round: the transaction's events and when it committed. */
export interface BroadcastRound {
  pairs: number[];
  startedAt: number;
  committedAt: number;
}

/** Delivery of one broadcast round to every stream. */
export interface BroadcastResult {
  /** Commit → the last stream's receipt, ms. */
  deliveredMs: number;
  /** The transaction itself (first append → commit acknowledged), ms. */
  txMs: number;
  received: number;
  expected: number;
  perStream: Percentiles;
}

/** Per-round delivery from the receipts of all rounds. */
export function broadcastResults(rounds: BroadcastRound[], receipts: number[], expectedPerRound: number): BroadcastResult[] {
  return rounds.map((r) => {
    const keys = new Set<number>();
    for (let i = 0; i < r.pairs.length; i += 2) keys.add(eventKey(r.pairs[i], r.pairs[i + 1]));
    const lat: number[] = [];
    for (let i = 0; i < receipts.length; i += 3) if (keys.has(eventKey(receipts[i], receipts[i + 1]))) lat.push(receipts[i + 2] - r.committedAt);
    const perStream = percentiles(lat);
    return { deliveredMs: perStream.max, txMs: r.committedAt - r.startedAt, received: lat.length, expected: expectedPerRound, perStream };
  });
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Where a profiled function lives, coarsely. */
function area(url: string, fn: string): string {
  if (fn.startsWith('(')) return fn;
  if (url.includes('/lib/realtime/')) return 'lib/realtime';
  if (url.includes('/lib/metrics/')) return 'lib/metrics';
  if (url.includes('/lib/')) return 'lib (other)';
  if (url.includes('postgres')) return 'postgres.js';
  if (url.includes('drizzle')) return 'drizzle-orm';
  if (url.includes('jose')) return 'jose';
  if (url.includes('.next-bench/') || url.includes('/next/')) return 'next';
  if (url.startsWith('node:') || url === '') return 'node internals';
  return 'other';
}

/** Self time of a `.cpuprofile`: top functions and totals per area, in % of samples. */
export function summarizeProfile(file: string, top = 15): { areas: [string, number][]; functions: [string, number][] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const total = p.samples.length || 1;
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, n] of hits) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = url.replace(/^.*\/(node_modules|work\/main)\//, '');
    const name = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    fns.set(name, (fns.get(name) ?? 0) + n);
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + n);
  }
  const pct = (m: Map<string, number>) => [...m].map(([k, v]): [string, number] => [k, (100 * v) / total]).sort((a, b) => b[1] - a[1]);
  return { areas: pct(areas), functions: pct(fns).slice(0, top) };
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per `type:name` of a heap snapshot. */
function snapshotTotals(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const [iType, iName, iSize, width] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size'), f.length];
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(strings)' : s.strings[s.nodes[i + iName]];
    const key = `${type}:${name.slice(0, 60)}`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + iSize];
    e.count++;
    out.set(key, e);
  }
  return out;
}

/** What `streams` more streams added to the heap, per stream, by `type:name`: [key, bytes, objects]. */
export function diffSnapshots(baseFile: string, loadedFile: string, streams: number, top = 25): [string, number, number][] {
  const a = snapshotTotals(baseFile);
  const b = snapshotTotals(loadedFile);
  const rows: [string, number, number][] = [];
  for (const [k, v] of b) {
    const before = a.get(k) ?? { size: 0, count: 0 };
    rows.push([k, (v.size - before.size) / streams, (v.count - before.count) / streams]);
  }
  return rows.sort((x, y) => y[1] - x[1]).slice(0, top);
}
