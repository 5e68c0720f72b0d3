/**
 * The benches' charts, drawn as SVG by hand (no charting dependency): one panel drawer (frame,
 * grid, linear or log y axis, linear or evenly spaced x axis, series with colour and dash) and
 * one PNG writer (`rsvg-convert` from librsvg2-bin, else ImageMagick's `convert`, else the
 * Chromium the e2e suite uses). Two charts are made of them: the stream bench's latency plot
 * (`writePlot`) and the soak's memory chart (`lineChartSvg`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import type { ResultsFile } from './report';
import type { TargetKind } from './targets';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** `stroke-dasharray` of the line (solid when absent). */
  dash?: string;
}

/** A plot area and what it shows. */
export interface Panel {
  /** The plot area, in SVG units. */
  box: { x: number; y: number; w: number; h: number };
  title?: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** `linear` (default): from 0 to a tenth above the largest value; `log`: whole decades around the values. */
  yScale?: 'linear' | 'log';
  /** `linear` (default): proportional from 0; `category`: the values of `categories`, evenly spaced and labelled. */
  xScale?: 'linear' | 'category';
  /** The x values of a category axis (default: those of the points). */
  categories?: number[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const text = (x: number, y: number, s: string, extra = '') => `<text x="${x}" y="${y}" ${extra}>${esc(s)}</text>`;
/** The opening of an SVG document of `w` × `h` with a white background. */
export const svgOpen = (w: number, h: number) => [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
  `<rect width="100%" height="100%" fill="white"/>`,
];
const linearTicks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5);
const fmtTick = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Whole decades around `values` (log axes). */
function decades(values: number[]): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...values))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...values)));
  return [lo, hi];
}

/** The SVG elements of one panel. */
export function panelSvg(p: Panel): string[] {
  const { x: x0, y: top, w, h } = p.box;
  const bottom = top + h;
  const all = p.series.flatMap((s) => s.points);
  const out = [`<rect x="${x0}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`];

  // y axis: grid lines with their labels
  let y: (v: number) => number;
  let yTicks: [number, string][];
  if (p.yScale === 'log') {
    const [lo, hi] = decades(all.length ? all.map((q) => q[1]) : [1]);
    y = (v) => bottom - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
    yTicks = [];
    for (let d = lo; d <= hi * 1.001; d *= 10) for (const m of [1, 2, 5]) if (d * m <= hi * 1.001) yTicks.push([d * m, `${+(d * m).toPrecision(3)}`]);
  } else {
    const max = Math.max(...all.map((q) => q[1]), 1) * 1.1;
    y = (v) => bottom - (v / max) * h;
    yTicks = linearTicks(max).map((v) => [v, fmtTick(v)]);
  }
  for (const [v, label] of yTicks)
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, text(x0 - 6, y(v) + 4, label, 'text-anchor="end"'));

  // x axis: labels under the frame
  let x: (v: number) => number;
  let xTicks: [number, string][];
  if (p.xScale === 'category') {
    const xs = [...new Set(p.categories ?? all.map((q) => q[0]))].sort((a, b) => a - b);
    x = (v) => x0 + 40 + (xs.indexOf(v) * (w - 80)) / Math.max(1, xs.length - 1);
    xTicks = xs.map((v) => [v, v.toLocaleString('en-US')]);
  } else {
    const max = Math.max(...all.map((q) => q[0]), 1);
    x = (v) => x0 + (v / max) * w;
    xTicks = linearTicks(max).map((v) => [v, fmtTick(v)]);
  }
  for (const [v, label] of xTicks) out.push(text(x(v), bottom + 18, label, 'text-anchor="middle"'));

  if (p.title) out.push(text(x0 + w / 2, top - 15, p.title, 'text-anchor="middle" font-size="16" font-weight="bold"'));
  out.push(text(x0 + w / 2, bottom + 40, p.xLabel, 'text-anchor="middle" font-size="13"'));
  const yMid = top + h / 2;
  out.push(text(x0 - 48, yMid, p.yLabel, `text-anchor="middle" font-size="13" transform="rotate(-90 ${x0 - 48} ${yMid})"`));

  for (const s of p.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2.2" stroke-dasharray="${s.dash ?? ''}"/>`);
    if (s.points.length <= 30) for (const [a, b] of s.points) out.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
  }
  return out;
}

/** Legend entries (a line sample and a name), in a row from (`x`, `y`) or in a column. */
export function legendSvg(items: Omit<Series, 'points'>[], x: number, y: number, direction: 'row' | 'column'): string[] {
  const out: string[] = [];
  for (const it of items) {
    out.push(
      `<line x1="${x}" x2="${x + 30}" y1="${y - 4}" y2="${y - 4}" stroke="${it.color}" stroke-width="3" stroke-dasharray="${it.dash ?? ''}"/>`,
      text(x + 36, y, it.name, 'font-size="13"'),
    );
    if (direction === 'row') x += 60 + it.name.length * 7.5;
    else y += 20;
  }
  return out;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

/** A single-panel line chart (linear axes) with its title on top and the legend on the right. */
export function lineChartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 900;
  const H = spec.height ?? 480;
  const m = { l: 80, r: 190, t: 50, b: 60 };
  const box = { x: m.l, y: m.t, w: W - m.l - m.r, h: H - m.t - m.b };
  return [
    ...svgOpen(W, H),
    ...panelSvg({ box, title: spec.title, xLabel: spec.xLabel, yLabel: spec.yLabel, series: spec.series }),
    ...legendSvg(spec.series, W - m.r + 14, m.t + 6, 'column'),
    '</svg>',
  ].join('\n');
}

const COLOURS: Record<TargetKind, string> = {
  node: '#1f77b4',
  route: '#d62728',
  floor: '#2ca02c',
  floorb: '#17becf',
  empty: '#7f7f7f',
  proto: '#9467bd',
  nopoll: '#8c564b',
  old: '#ff7f0e',
};
const NAMES: Record<TargetKind, string> = {
  node: 'Node transport',
  route: 'Route handler',
  floor: 'Floor (raw node:http)',
  floorb: 'Floor, batched reads',
  empty: 'Empty route',
  proto: 'Prototype (backlog 4096)',
  nopoll: 'No poller (diagnosis)',
  old: 'Old build (Node transport)',
};
const DASH = { p50: '', p95: '8 4', p99: '2 4' } as const;

/**
 * The stream bench's plot. Left: per-owner event latency p50/p95/p99 against the number of
 * streams, log scale, one colour per transport. Right: time until a broadcast reached every stream.
 */
export function latencySvg(all: ResultsFile, transports: TargetKind[]): string {
  const W = 1200;
  const H = 520;
  const runs = Object.values(all.runs).filter((r) => transports.includes(r.transport) && r.steady);
  const shown = transports.filter((t) => runs.some((r) => r.transport === t));
  const mine = (t: TargetKind) => runs.filter((r) => r.transport === t).sort((a, b) => a.n - b.n);
  const latency: Series[] = shown.flatMap((t) =>
    (Object.keys(DASH) as (keyof typeof DASH)[]).map((p) => ({
      name: `${t} ${p}`,
      color: COLOURS[t],
      dash: DASH[p],
      points: mine(t).map((r): [number, number] => [r.n, r.steady!.latency[p]]),
    })),
  );
  const broadcast: Series[] = shown.map((t) => ({
    name: t,
    color: COLOURS[t],
    points: mine(t).flatMap((r): [number, number][] => (r.broadcast ? [[r.n, r.broadcast.medianMs]] : [])),
  }));
  // Both panels place every run's stream count, those without a broadcast too.
  const common = { xLabel: 'concurrent streams', yLabel: 'ms', yScale: 'log', xScale: 'category', categories: runs.map((r) => r.n) } as const;
  const box = (x: number) => ({ x, y: 70, w: 500, h: 370 });
  return [
    ...svgOpen(W, H),
    ...panelSvg({ ...common, box: box(90), title: 'Per-owner event latency, commit → client (200 events/s)', series: latency }),
    ...panelSvg({ ...common, box: box(670), title: 'Broadcast to every stream: commit → last client', series: broadcast }),
    ...legendSvg(
      [...shown.map((t) => ({ name: NAMES[t], color: COLOURS[t] })), ...Object.entries(DASH).map(([p, dash]) => ({ name: p, color: '#333', dash }))],
      90,
      H - 25,
      'row',
    ),
    '</svg>',
  ].join('\n');
}

/**
 * Writes `<base>.svg` and converts it to `<base>.png` (rsvg-convert, ImageMagick, or Chromium at
 * CHROMIUM_PATH or /usr/bin/chromium); returns the PNG path, or undefined when nothing converts.
 */
export async function writeChart(svg: string, base: string): Promise<string | undefined> {
  writeFileSync(`${base}.svg`, svg);
  const png = `${base}.png`;
  if (spawnSync('rsvg-convert', ['-o', png, `${base}.svg`]).status === 0) return png;
  if (spawnSync('convert', [`${base}.svg`, png]).status === 0) return png;
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return undefined;
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking'] });
  try {
    const w = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 900);
    const h = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 480);
    const page = await browser.newPage({ viewport: { width: w, height: h } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    writeFileSync(png, await page.screenshot({ clip: { x: 0, y: 0, width: w, height: h } }));
    return png;
  } finally {
    await browser.close();
  }
}

/** Writes the stream bench's plot to `<base>.svg` and `<base>.png`; returns the PNG path (undefined: SVG only). */
export const writePlot = (all: ResultsFile, transports: TargetKind[], base: string): Promise<string | undefined> =>
  writeChart(latencySvg(all, transports), base);
