/**
 * Charts for BENCHMARKS.md without a charting dependency: a line chart as SVG, rasterised to PNG
 * by the Chromium that the end-to-end tests already use (Playwright, system executable).
 */
import { writeFileSync } from 'node:fs';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A labelled multi-series line chart with axes and a legend. */
export function lineChartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 900;
  const H = spec.height ?? 480;
  const m = { l: 70, r: 180, t: 40, b: 50 };
  const all = spec.series.flatMap((s) => s.points);
  const xMax = Math.max(...all.map((p) => p[0]), 1);
  const yMax = Math.max(...all.map((p) => p[1]), 1) * 1.1;
  const x = (v: number) => m.l + (v / xMax) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / yMax) * (H - m.t - m.b);
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
    ...ticks(yMax).map((v) => `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`),
    ...ticks(xMax).map((v) => `<text x="${x(v)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(v)}</text>`),
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#111"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#111"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  ];
  spec.series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points.length <= 30 ? s.points : []) parts.push(`<circle cx="${x(p[0])}" cy="${y(p[1])}" r="3" fill="${s.color}"/>`);
    parts.push(`<rect x="${W - m.r + 14}" y="${m.t + i * 20}" width="14" height="4" fill="${s.color}"/><text x="${W - m.r + 34}" y="${m.t + i * 20 + 6}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders `svg` to a PNG file with headless Chromium (CHROMIUM_PATH or /usr/bin/chromium). */
export async function svgToPng(svg: string, path: string): Promise<void> {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  try {
    const w = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 900);
    const h = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 480);
    const page = await browser.newPage({ viewport: { width: w, height: h } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    writeFileSync(path, await page.screenshot({ clip: { x: 0, y: 0, width: w, height: h } }));
  } finally {
    await browser.close();
  }
}
