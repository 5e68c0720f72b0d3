/**
 * The process's logger (`pino`): one JSON object per line in production (`LOG_FORMAT=json`), one
 * readable line in development (`pretty`, formatted by `pretty-lines.ts`, no extra dependency).
 *
 * Every line written while a request is handled carries its `reqId` (`request-context.ts`).
 * Nothing secret reaches a line: request headers, tokens, passwords and secrets are redacted by
 * path wherever they are passed, errors are reduced to name, message, code and stack (a Drizzle
 * query error's own message holds the SQL parameters, so its cause is logged instead), and no
 * caller logs query parameters or URLs with their query string.
 *
 * Levels: `error` — something failed that an operator must look at (unexpected 500, a failed
 * shutdown); `warn` — degraded but handled (database unreachable, retrying; events pruned before
 * delivery; weak configuration); `info` — lifecycle (ready, drain, adoption) and one line per API
 * request; `debug` — health and metrics scrapes.
 */
import pino, { type Logger } from 'pino';
import { config } from '../config';
import { processSlot } from '../process-state';
import { prettyStream } from './pretty-lines';
import { currentRequest } from './request-context';

/** Paths pino censors wherever they appear in a logged object (one level of nesting covered by `*`). */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'token',
  'password',
  'secret',
  'params',
  'headers',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.password',
  '*.secret',
  '*.params',
  '*.headers',
];

/** An error as logged: never its enumerable fields (a driver error may carry the query's parameters). */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err).slice(0, 500) };
  const e = isQueryWrapper(err) && err.cause instanceof Error ? err.cause : err;
  const code = (e as { code?: unknown }).code;
  return { type: e.name, message: e.message.slice(0, 500), ...(typeof code === 'string' ? { code } : {}), stack: e.stack?.split('\n').slice(1, 8).join('\n') };
}

/** Drizzle wraps a failing query in an error whose message is the SQL and its parameters. */
function isQueryWrapper(err: Error): boolean {
  return err.name === 'DrizzleQueryError' || ('params' in err && 'query' in err);
}

function build(destination?: pino.DestinationStream): Logger {
  const c = config();
  const format = c.LOG_FORMAT ?? (c.NODE_ENV === 'production' ? 'json' : 'pretty');
  return pino(
    {
      level: c.LOG_LEVEL,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const req = currentRequest();
        return req ? { reqId: req.id } : {};
      },
    },
    destination ?? (format === 'pretty' ? prettyStream(process.stdout) : pino.destination({ dest: 1, sync: true })),
  );
}

const slot = processSlot<Logger>('logger');

/** The process's logger, created on first use. */
export function logger(): Logger {
  return slot.getOrCreate(() => build());
}

/** Sends every line to `destination` from now on (tests read what was logged). */
export function setLogDestination(destination: pino.DestinationStream): void {
  slot.set(build(destination));
}

/** The logger as the `console`-shaped `{ error, info }` a few modules take as an option (message, then an optional error). */
export function consoleLike(level: { error: 'error' | 'warn' } = { error: 'error' }): Pick<Console, 'error' | 'info'> {
  return {
    error: (message: unknown, err?: unknown) => logger()[level.error](err === undefined ? {} : { err }, String(message)),
    info: (message: unknown) => logger().info(String(message)),
  };
}
