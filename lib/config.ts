/**
 * The environment, parsed and validated once. Nothing else in the code reads `process.env`
 * for settings; every default is stated here and in the README.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { processSlot } from './process-state';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** PostgreSQL URL; unset → embedded PGlite under PGLITE_DIR. */
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined)),
  /**
   * A direct (unpooled) PostgreSQL URL for migrations, which need a session (advisory lock,
   * `lock_timeout`). Required when DATABASE_URL goes through a transaction pooler.
   */
  DATABASE_DIRECT_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined)),
  /**
   * How other instances' events reach this one: `notify` (LISTEN/NOTIFY, needs a session) or
   * `poll` (read the log heads every WS_LOG_POLL_MS). Unset: `poll` behind a declared transaction
   * pooler (`?pgbouncer=true`) or when LISTEN fails, `notify` otherwise.
   */
  WS_CROSS_INSTANCE: z.enum(['notify', 'poll']).optional(),
  /** ms between this instance's cluster ticks: log heads (poll mode) and client messages for its streams. */
  WS_LOG_POLL_MS: int(250, 20),
  /** Where the embedded database lives (`memory://` for a throwaway one). */
  PGLITE_DIR: z.string().default('.data/pglite'),
  JWT_SECRET: z.string().optional(),
  WS_HEARTBEAT_INTERVAL: int(30_000, 10),
  WS_METRICS_POLL_INTERVAL: int(5_000, 10),
  WS_MAX_CONNECTIONS_PER_OWNER: int(20, 1),
  WS_MAX_CONNECTIONS: int(15_000, 1),
  WS_DRAIN_MS: int(10_000, 0),
  /** Serverless mode: end each stream with `reconnect` after this many seconds (0 = never). */
  WS_MAX_STREAM_SECONDS: int(0, 0),
  /** Frames a connection may have queued before it is reset (domain events are never dropped). */
  WS_MAX_BUFFERED_FRAMES: int(1_000, 8),
  /** Open streams are re-authorized (user live, role, ownership) at least this often, seconds. */
  WS_REAUTH_INTERVAL: int(60, 1),
  /** A closed stream whose client stopped reading is cut after this long, ms. */
  WS_WRITE_TIMEOUT_MS: int(30_000, 100),
  /** Client reconnect delay announced in the `retry:` field, ms. */
  WS_RETRY_MS: int(3_000, 0),
  BOOKING_TIMEZONE: z.string().default('America/Sao_Paulo'),
  /** Event log retention: keep events younger than this many hours … */
  EVENT_LOG_RETENTION_HOURS: int(24, 1),
  /** … or among the newest this many per owner, whichever keeps more. */
  EVENT_LOG_RETENTION_COUNT: int(1_000, 1),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_SECRET_KEY: z.string().optional(),
  /** Login attempts per minute per client address (burst the same). */
  RATE_LIMIT_LOGIN_PER_IP: int(30, 1),
  /** Login attempts per minute per account, from any address. */
  RATE_LIMIT_LOGIN_PER_EMAIL: int(10, 1),
  /** `POST /api/ws` messages per 10 s per user. */
  RATE_LIMIT_WS_POST: int(60, 1),
  /** Seed demo data into an empty embedded database on start (`0` to disable). */
  SEED_DEMO_DATA: z.enum(['0', '1']).default('1'),
  /** Base URL of the Stripe API the SDK calls (its host/port/protocol options); unset → Stripe's own. */
  STRIPE_API_BASE: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** Handed to the checkout page as `payment.publishableKey` (the portal's variable). */
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: z.string().optional(),
  /** Pepper of the portal's hashed promo codes (`codes.code_hash`). */
  CODE_HASH_PEPPER: z.string().default('lovetofly-code-pepper'),
  /** lock_timeout of the migration session and of `npm run db:indexes`, ms. */
  MIGRATION_LOCK_TIMEOUT_MS: int(5_000, 1),
  /** Bearer token `GET /api/metrics` requires; unset → open in development/test, 403 in production. */
  METRICS_TOKEN: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined)),
  /** `0`: no Prometheus counting at all (`/api/metrics` answers 404). */
  METRICS_ENABLED: z.enum(['0', '1']).default('1'),
  /** Lowest level logged. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object per line) or `pretty` (one readable line); unset → json in production, pretty otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export type Config = Readonly<Omit<z.infer<typeof schema>, 'JWT_SECRET'> & { JWT_SECRET: string; jwtSecretGenerated: boolean }>;

let generatedSecret: string | undefined;

/** Secrets seen in the portal's code and docs; refused in production whatever their length. */
const WEAK_SECRETS = new Set(['your-secret-key', 'secret', 'changeme']);

/** Parses `env` into a frozen config; throws with every problem listed when it is invalid. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  if (!Intl.supportedValuesOf('timeZone').includes(c.BOOKING_TIMEZONE) && c.BOOKING_TIMEZONE !== 'UTC') {
    throw new Error(`Invalid configuration: BOOKING_TIMEZONE "${c.BOOKING_TIMEZONE}" is not an IANA time zone`);
  }
  let secret = c.JWT_SECRET;
  let jwtSecretGenerated = false;
  if (secret && c.NODE_ENV === 'production' && !isBuildPhase(env) && (Buffer.byteLength(secret) < 32 || WEAK_SECRETS.has(secret))) {
    throw new Error('JWT_SECRET is too weak for production: use at least 32 random bytes (e.g. `openssl rand -hex 32`).');
  }
  if (!secret) {
    if (c.NODE_ENV === 'production' && !isBuildPhase(env)) {
      throw new Error('JWT_SECRET must be set in production (at least 32 random bytes).');
    }
    generatedSecret ??= randomBytes(32).toString('hex');
    secret = generatedSecret;
    jwtSecretGenerated = true;
  }
  return Object.freeze({ ...c, JWT_SECRET: secret, jwtSecretGenerated });
}

function isBuildPhase(env: NodeJS.ProcessEnv): boolean {
  return env.NEXT_PHASE === 'phase-production-build';
}

const current = processSlot<Config>('config');

/** The process-wide config, parsed on first use. */
export function config(): Config {
  return current.getOrCreate(() => parseConfig());
}

/** Tests change the environment between files; this drops the cached config. */
export function resetConfig(): void {
  current.set(undefined);
}
