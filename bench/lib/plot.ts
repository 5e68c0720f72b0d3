/**
 * The latency plot of the stream bench, drawn as SVG by hand (no dependency) and converted to
 * PNG with `rsvg-convert` (Debian: librsvg2-bin) or ImageMagick's `convert`. Left: per-owner
 * event latency p50/p95/p99 against the number of streams, log scale, one colour per transport.
 * Right: time until a broadcast reached every stream.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ResultsFile } from './report';
import type { TargetKind } from './targets';

const W = 1200;
const H = 520;
const PANEL = { top: 70, bottom: 440, width: 500 };
const COLOURS: Record<TargetKind, string> = { node: '#1f77b4', route: '#d62728', floor: '#2ca02c', floorb: '#17becf', empty: '#7f7f7f', proto: '#9467bd', nopoll: '#8c564b' };
const NAMES: Record<TargetKind, string> = { node: 'Node transport', route: 'Route handler', floor: 'Floor (raw node:http)', floorb: 'Floor, batched reads', empty: 'Empty route', proto: 'Prototype (backlog 4096)', nopoll: 'No poller (diagnosis)' };
const DASH: Record<string, string> = { p50: '', p95: '8 4', p99: '2 4' };

interface Axis {
  x0: number;
  xs: number[];
  lo: number;
  hi: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const text = (x: number, y: number, s: string, extra = '') => `<text x="${x}" y="${y}" ${extra}>${esc(s)}</text>`;

function xAt(a: Axis, n: number): number {
  const i = a.xs.indexOf(n);
  return a.x0 + 40 + (i * (PANEL.width - 80)) / Math.max(1, a.xs.length - 1);
}

function yAt(a: Axis, v: number): number {
  const t = (Math.log10(Math.max(v, a.lo)) - Math.log10(a.lo)) / (Math.log10(a.hi) - Math.log10(a.lo));
  return PANEL.bottom - t * (PANEL.bottom - PANEL.top);
}

/** Frame, log-scale grid and labels of one panel. */
function frame(a: Axis, title: string, yLabel: string): string[] {
  const out = [`<rect x="${a.x0}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.bottom - PANEL.top}" fill="none" stroke="#444"/>`];
  out.push(text(a.x0 + PANEL.width / 2, PANEL.top - 15, title, 'text-anchor="middle" font-size="16" font-weight="bold"'));
  for (let v = a.lo; v <= a.hi * 1.001; v *= 10) {
    for (const m of [1, 2, 5]) {
      const y = yAt(a, v * m);
      if (v * m > a.hi * 1.001) continue;
      out.push(`<line x1="${a.x0}" x2="${a.x0 + PANEL.width}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
      out.push(text(a.x0 - 6, y + 4, `${+(v * m).toPrecision(3)}`, 'text-anchor="end" font-size="12"'));
    }
  }
  for (const n of a.xs) out.push(text(xAt(a, n), PANEL.bottom + 18, n.toLocaleString('en-US'), 'text-anchor="middle" font-size="12"'));
  out.push(text(a.x0 + PANEL.width / 2, PANEL.bottom + 40, 'concurrent streams', 'text-anchor="middle" font-size="13"'));
  out.push(text(a.x0 - 48, (PANEL.top + PANEL.bottom) / 2, yLabel, `text-anchor="middle" font-size="13" transform="rotate(-90 ${a.x0 - 48} ${(PANEL.top + PANEL.bottom) / 2})"`));
  return out;
}

function polyline(a: Axis, points: [number, number][], colour: string, dash: string): string[] {
  if (points.length === 0) return [];
  const d = points.map(([n, v]) => `${xAt(a, n).toFixed(1)},${yAt(a, v).toFixed(1)}`).join(' ');
  const dots = points.map(([n, v]) => `<circle cx="${xAt(a, n).toFixed(1)}" cy="${yAt(a, v).toFixed(1)}" r="3.5" fill="${colour}"/>`);
  return [`<polyline points="${d}" fill="none" stroke="${colour}" stroke-width="2.2" stroke-dasharray="${dash}"/>`, ...dots];
}

function bounds(values: number[]): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...values))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...values)));
  return [lo, hi];
}

/** Builds the SVG text of the plot from the results. */
export function latencySvg(all: ResultsFile, transports: TargetKind[]): string {
  const runs = Object.values(all.runs).filter((r) => transports.includes(r.transport) && r.steady);
  const xs = [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b);
  const lat = runs.flatMap((r) => [r.steady!.latency.p50, r.steady!.latency.p99]);
  const bc = runs.flatMap((r) => (r.broadcast ? [r.broadcast.medianMs] : []));
  const [lo, hi] = bounds(lat.length ? lat : [1]);
  const [blo, bhi] = bounds(bc.length ? bc : [1]);
  const left: Axis = { x0: 90, xs, lo, hi };
  const right: Axis = { x0: 670, xs, lo: blo, hi: bhi };
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">`, `<rect width="100%" height="100%" fill="white"/>`];
  out.push(...frame(left, 'Per-owner event latency, commit → client (200 events/s)', 'ms'));
  out.push(...frame(right, 'Broadcast to every stream: commit → last client', 'ms'));
  for (const t of transports) {
    const mine = runs.filter((r) => r.transport === t).sort((a, b) => a.n - b.n);
    for (const p of ['p50', 'p95', 'p99'] as const) out.push(...polyline(left, mine.map((r) => [r.n, r.steady!.latency[p]]), COLOURS[t], DASH[p]));
    out.push(...polyline(right, mine.filter((r) => r.broadcast).map((r) => [r.n, r.broadcast!.medianMs]), COLOURS[t], ''));
  }
  out.push(...legend(transports.filter((t) => runs.some((r) => r.transport === t))));
  out.push('</svg>');
  return out.join('\n');
}

function legend(transports: TargetKind[]): string[] {
  const out: string[] = [];
  let x = 90;
  const y = H - 25;
  for (const t of transports) {
    out.push(`<line x1="${x}" x2="${x + 30}" y1="${y - 4}" y2="${y - 4}" stroke="${COLOURS[t]}" stroke-width="3"/>`, text(x + 36, y, NAMES[t], 'font-size="13"'));
    x += 60 + NAMES[t].length * 7.5;
  }
  for (const [p, dash] of Object.entries(DASH)) {
    out.push(`<line x1="${x}" x2="${x + 30}" y1="${y - 4}" y2="${y - 4}" stroke="#333" stroke-width="2.2" stroke-dasharray="${dash}"/>`, text(x + 36, y, p, 'font-size="13"'));
    x += 80;
  }
  return out;
}

/** Writes `<base>.svg` and converts it to `<base>.png`; returns the PNG path (or undefined when no converter exists). */
export function writePlot(all: ResultsFile, transports: TargetKind[], base: string): string | undefined {
  writeFileSync(`${base}.svg`, latencySvg(all, transports));
  const rsvg = spawnSync('rsvg-convert', ['-o', `${base}.png`, `${base}.svg`]);
  if (rsvg.status === 0) return `${base}.png`;
  const im = spawnSync('convert', [`${base}.svg`, `${base}.png`]);
  return im.status === 0 ? `${base}.png` : undefined;
}
