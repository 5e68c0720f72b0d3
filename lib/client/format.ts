/**
 * pt-BR formatting for the dashboard, in one place so cards, lists and tests agree: BRL with two
 * decimals (`R$ 1.234,56`), percentages with a fixed number of decimals, times as HH:MM:SS in
 * the viewer's time zone, months as short pt-BR names. Intl formatters are built once.
 */

const brl = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });
const percentFormats = new Map<number, Intl.NumberFormat>();
const time = new Intl.DateTimeFormat('pt-BR', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const shortDate = new Intl.DateTimeFormat('pt-BR', { day: '2-digit', month: 'short' });
const monthShort = new Intl.DateTimeFormat('pt-BR', { month: 'short', timeZone: 'UTC' });
const monthLong = new Intl.DateTimeFormat('pt-BR', { month: 'long', year: 'numeric', timeZone: 'UTC' });

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

/** `R$ 1.234,56` (Intl puts a no-break space after `R$`). */
export function formatBRL(value: unknown): string {
  return brl.format(num(value));
}

/** `1.234` */
export function formatInteger(value: unknown): string {
  return integer.format(num(value));
}

/** `67%` with `decimals` = 0, `12,5%` with 1; `signed` adds `+` to positive values. */
export function formatPercent(value: unknown, decimals: number, signed = false): string {
  let f = percentFormats.get(decimals);
  if (!f) percentFormats.set(decimals, (f = new Intl.NumberFormat('pt-BR', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  const v = num(value);
  const text = f.format(v);
  return `${signed && v > 0 ? '+' : ''}${text}%`;
}

/** `14:03:27` in the viewer's time zone; empty for an unknown time. */
export function formatTime(ms: unknown): string {
  const v = num(ms);
  return v > 0 ? time.format(new Date(v)) : '';
}

/** `12 de mar.` style short date of an ISO string; the input itself when it does not parse. */
export function formatShortDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : shortDate.format(d);
}

/** `"2026-03"` → `mar` (label) and `março de 2026` (accessible name). */
export function formatMonth(yyyyMm: string): { short: string; long: string } {
  const [y, m] = yyyyMm.split('-').map(Number);
  if (!y || !m) return { short: yyyyMm, long: yyyyMm };
  const d = new Date(Date.UTC(y, m - 1, 1));
  return { short: monthShort.format(d).replace('.', ''), long: monthLong.format(d) };
}

/** `1 dia` / `3 dias` */
export function formatDays(days: unknown): string {
  const n = Math.round(num(days));
  return `${n} ${n === 1 ? 'dia' : 'dias'}`;
}
