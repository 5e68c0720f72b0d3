/**
 * In-memory rate limits: one token bucket per key (an IP, an email, a user id), refilled
 * continuously, with a cap on how many keys are tracked and a periodic sweep of idle ones.
 * The limiters are one set per process (a slot of the process state, which Next's route bundles
 * and the custom server share). They are per instance: behind a load balancer of N instances a client gets
 * up to N times the budget, which still bounds guessing and flooding.
 */
import { config } from './config';
import { AppError } from './errors';
import { metrics } from './observability/metrics';
import { processSlot } from './process-state';
import { verifyToken } from './auth/jwt';
import { tokenFromRequest } from './auth/request';

/** A bucket's size and how long an empty one takes to refill completely. */
export interface RateLimitRule {
  /** Requests allowed in a burst (the bucket's size). */
  capacity: number;
  /** Milliseconds for an empty bucket to refill to `capacity` (the rate is capacity / windowMs). */
  windowMs: number;
}

/** `POST /api/auth/login` per client IP: 30 attempts per minute (a NAT may hide an office); capacity from RATE_LIMIT_LOGIN_PER_IP. */
export const LOGIN_PER_IP: RateLimitRule = { capacity: 30, windowMs: 60_000 };

/** `POST /api/auth/login` per email (lower-cased): 10 attempts per minute, whatever the IP; capacity from RATE_LIMIT_LOGIN_PER_EMAIL. */
export const LOGIN_PER_EMAIL: RateLimitRule = { capacity: 10, windowMs: 60_000 };

/**
 * `POST /api/ws` per user (per client IP when the request carries no valid token): 60 messages per
 * 10 s (capacity from RATE_LIMIT_WS_POST). A client pings every 30 s and refreshes its token
 * rarely, so only a flood reaches this.
 */
export const WS_POST_PER_USER: RateLimitRule = { capacity: 60, windowMs: 10_000 };

/** Keys tracked per limiter before the least recently used one is dropped. */
export const MAX_TRACKED_KEYS = 10_000;

/** How often buckets that have refilled completely (and so carry no state) are forgotten, ms. */
export const SWEEP_EVERY_MS = 60_000;

/** Longest key kept: a key comes from a header or a body, so it is truncated, never trusted in size. */
const MAX_KEY_LENGTH = 256;

/** The key used for requests that carry no client address (in-process tests, unusual proxies). */
export const UNKNOWN_CLIENT = 'unknown';

interface Bucket {
  tokens: number;
  updated: number;
}

/** The outcome of `take`: allowed, or refused with the seconds until one request is allowed again. */
export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterS: number };

/** Token buckets keyed by string, for one rule. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly rule: RateLimitRule,
    private readonly opts: { maxKeys?: number; now?: () => number } = {},
  ) {
    this.perMs = rule.capacity / rule.windowMs;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket. */
  take(rawKey: string): TakeResult {
    const key = rawKey.slice(0, MAX_KEY_LENGTH);
    const now = this.now();
    const bucket = this.buckets.get(key) ?? this.track(key, now);
    bucket.tokens = Math.min(this.rule.capacity, bucket.tokens + (now - bucket.updated) * this.perMs);
    bucket.updated = now;
    // Re-insert so Map order is least recently used first, which is what eviction drops.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /**
   * A new full bucket. At the cap, idle buckets are swept first, then the least recently used
   * one goes: flooding keys can at worst hand an old key a fresh bucket, never refuse new clients.
   */
  private track(key: string, now: number): Bucket {
    const max = this.opts.maxKeys ?? MAX_TRACKED_KEYS;
    if (this.buckets.size >= max) this.sweep(now);
    while (this.buckets.size >= max) this.buckets.delete(this.buckets.keys().next().value!);
    const bucket = { tokens: this.rule.capacity, updated: now };
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Forgets buckets that have refilled completely by `now`; returns how many went. */
  sweep(now = this.now()): number {
    let removed = 0;
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.updated) * this.perMs >= this.rule.capacity) {
        this.buckets.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Forgets every bucket. */
  clear(): void {
    this.buckets.clear();
  }
}

/** The process's limiters. */
export interface RateLimits {
  loginPerIp: RateLimiter;
  loginPerEmail: RateLimiter;
  wsPostPerUser: RateLimiter;
}

const limitsSlot = processSlot<RateLimits>('rateLimits');

/** The process-wide limiters, created (with their sweep timer) on first use. */
export function rateLimits(): RateLimits {
  return limitsSlot.getOrCreate(() => {
    const c = config();
    const limits: RateLimits = {
      loginPerIp: new RateLimiter({ ...LOGIN_PER_IP, capacity: c.RATE_LIMIT_LOGIN_PER_IP }),
      loginPerEmail: new RateLimiter({ ...LOGIN_PER_EMAIL, capacity: c.RATE_LIMIT_LOGIN_PER_EMAIL }),
      wsPostPerUser: new RateLimiter({ ...WS_POST_PER_USER, capacity: c.RATE_LIMIT_WS_POST }),
    };
    setInterval(() => Object.values(limits).forEach((l: RateLimiter) => l.sweep()), SWEEP_EVERY_MS).unref();
    return limits;
  });
}

/**
 * The client's address: the first hop of `X-Forwarded-For` (Next fills it from the socket when no
 * proxy set it), else `UNKNOWN_CLIENT`. A client can write this header itself unless the proxy in
 * front overwrites it, which is why logins are also limited per email.
 */
export function clientIp(req: Request): string {
  const first = req.headers.get('x-forwarded-for')?.split(',', 1)[0]?.trim();
  return first ? first.slice(0, 64).toLowerCase() : UNKNOWN_CLIENT;
}

/** Which budget refused a request: the `limit` label of `hangarshare_rate_limited_total`. */
export type LimitName = 'login_ip' | 'login_email' | 'ws_post';

/** Takes a token for `key` or throws 429 `too_many_requests` with `Retry-After` (and counts it under `limit`). */
export function enforce(limiter: RateLimiter, key: string, what: string, limit: LimitName): void {
  const r = limiter.take(key);
  if (!r.ok) {
    metrics().rateLimited.inc({ limit });
    throw new AppError(429, 'too_many_requests', `Too many ${what}; try again in ${r.retryAfterS} s.`, { retryAfter: r.retryAfterS });
  }
}

/** `POST /api/auth/login`, before the body is read: the per-IP budget. */
export function limitLoginByIp(req: Request): void {
  enforce(rateLimits().loginPerIp, clientIp(req), 'login attempts from this address', 'login_ip');
}

/** `POST /api/auth/login`, once the email is known: the per-account budget. */
export function limitLoginByEmail(email: string): void {
  enforce(rateLimits().loginPerEmail, email.trim().toLowerCase(), 'login attempts for this account', 'login_email');
}

/**
 * `POST /api/ws`, before the body is read: the budget of the token's user, or of the client IP
 * when the request carries no verifiable token (an `auth` message may carry its token in the body
 * only). Keying on a *verified* id means nobody can spend another user's budget.
 */
export async function limitClientMessages(req: Request): Promise<void> {
  let key = `ip:${clientIp(req)}`;
  const token = tokenFromRequest(req);
  if (token) {
    try {
      key = `user:${(await verifyToken(token)).userId}`;
    } catch {
      // Refused later with the precise 401; until then it counts against the address.
    }
  }
  enforce(rateLimits().wsPostPerUser, key, 'messages', 'ws_post');
}
