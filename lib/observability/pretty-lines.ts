/**
 * Development log format: each pino JSON line rewritten as `12:34:56.789 WARN  [reqId] message
 * key=value …`. A few lines of code instead of `pino-pretty` and its dependencies; production
 * writes the JSON itself.
 */
import type { DestinationStream } from 'pino';

const LEVEL_WIDTH = 5;
const OMITTED = new Set(['level', 'time', 'pid', 'msg', 'reqId']);

/** One readable line for one JSON log line (returned as is when it is not JSON). */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json);
  } catch {
    return json;
  }
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
  const level = String(o.level ?? '')
    .toUpperCase()
    .padEnd(LEVEL_WIDTH);
  const req = o.reqId ? ` [${String(o.reqId).slice(0, 8)}]` : '';
  const fields = Object.entries(o)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) =>
      k === 'err' && v && typeof v === 'object'
        ? errorLines(v as { type?: string; message?: string; stack?: string })
        : ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
    )
    .join('');
  return `${time} ${level}${req} ${o.msg ?? ''}${fields}\n`;
}

function errorLines(e: { type?: string; message?: string; stack?: string }): string {
  return `\n  ${e.type ?? 'Error'}: ${e.message ?? ''}${e.stack ? `\n${e.stack}` : ''}`;
}

/** A pino destination that writes `prettyLine` of each line to `out`. */
export function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line.trimEnd())) };
}
