/**
 * The write bench's chart: latency against offered rate, one panel per write (columns) and
 * stream count (rows), one colour per server; solid = request p99, dashed = request → frame p99
 * (every delivery), log scale. Drawn with the benches' panel drawer (bench/lib/plot.ts).
 */
import { copyFileSync } from 'node:fs';
import { legendSvg, panelSvg, svgOpen, writeChart, type Series } from './plot';
import type { WriteKind } from './write-load';
import type { WriteResults } from './write-report';
import type { WriteTargetKind } from './write-targets';

const COLOUR: Record<WriteTargetKind, string> = { node: '#1f77b4', route: '#d62728', floor: '#2ca02c', old: '#ff7f0e' };
const NAME: Record<WriteTargetKind, string> = { node: 'Node transport', route: 'Route handler', floor: 'Write floor', old: 'Old build (Node)' };
const TITLE: Record<WriteKind, string> = { confirm: 'POST booking/confirm', patch: 'PATCH owner/bookings/[id]', webhook: 'Stripe webhook' };

function series(all: WriteResults, kind: WriteKind, n: number, targets: WriteTargetKind[]): Series[] {
  const out: Series[] = [];
  for (const t of targets) {
    const steps = all.steps.filter((s) => s.target === t && s.kind === kind && s.n === n).sort((a, b) => a.rate - b.rate);
    if (steps.length === 0) continue;
    out.push({ name: `${t} request p99`, color: COLOUR[t], points: steps.map((s): [number, number] => [s.rate, s.post.p99]) });
    const frames = steps.filter((s) => s.delivery && s.delivery.count > 0);
    if (frames.length)
      out.push({ name: `${t} frame p99`, color: COLOUR[t], dash: '8 4', points: frames.map((s): [number, number] => [s.rate, s.delivery!.p99]) });
  }
  return out;
}

/** The chart's SVG. */
export function writeLatencySvg(all: WriteResults, targets: WriteTargetKind[], kinds: WriteKind[]): string {
  const sizes = [...new Set(all.steps.map((s) => s.n))].sort((a, b) => a - b);
  const rates = [...new Set(all.steps.map((s) => s.rate))].sort((a, b) => a - b);
  const pw = 420;
  const ph = 260;
  const W = 100 + kinds.length * (pw + 90);
  const H = 60 + sizes.length * (ph + 110) + 40;
  const panels = sizes.flatMap((n, row) =>
    kinds.map((kind, col) =>
      panelSvg({
        box: { x: 90 + col * (pw + 90), y: 70 + row * (ph + 110), w: pw, h: ph },
        title: `${TITLE[kind]}, ${n.toLocaleString('en-US')} streams`,
        xLabel: 'offered writes/s',
        yLabel: 'ms',
        yScale: 'log',
        xScale: 'category',
        categories: rates,
        series: series(all, kind, n, targets),
      }),
    ),
  );
  const shown = targets.filter((t) => all.steps.some((s) => s.target === t));
  const legend = [
    ...shown.map((t) => ({ name: NAME[t], color: COLOUR[t] })),
    { name: 'request p99', color: '#333' },
    { name: 'request → frame p99 (every delivery)', color: '#333', dash: '8 4' },
  ];
  return [...svgOpen(W, H), ...panels.flat(), ...legendSvg(legend, 90, H - 20, 'row'), '</svg>'].join('\n');
}

/** Writes `<base>.svg` / `.png` and copies the PNG to `png`; returns `png`, or undefined when no converter exists. */
export async function writeWritePlot(
  all: WriteResults,
  targets: WriteTargetKind[],
  kinds: WriteKind[],
  base: string,
  png: string,
): Promise<string | undefined> {
  const made = await writeChart(writeLatencySvg(all, targets, kinds), base);
  if (!made) return undefined;
  if (made !== png) copyFileSync(made, png);
  return png;
}
