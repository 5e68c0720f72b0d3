/**
 * The request a piece of code runs for, carried by `AsyncLocalStorage` through every await: the
 * logger stamps its id on each line written while the request is handled (`reqId`), whichever
 * module writes it. One store per process (a slot of the process state), since `server.ts` opens
 * the context and Next's route bundles read it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { processSlot } from '../process-state';

export interface RequestContext {
  /** The client's `X-Request-Id` when it is a short token of safe characters, else a new UUID. */
  readonly id: string;
  readonly method: string;
  /** The path only: a query string is never logged. */
  readonly path: string;
}

const store = processSlot<AsyncLocalStorage<RequestContext>>('requestContext');
const als = () => store.getOrCreate(() => new AsyncLocalStorage());

/** An incoming `X-Request-Id` is kept only when it cannot smuggle anything into a log line. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id to use for a request carrying `header` as its `X-Request-Id`. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SAFE_ID.test(header) ? header : randomUUID();
}

/** The context of the request being handled, if any. */
export function currentRequest(): RequestContext | undefined {
  return als().getStore();
}

/**
 * Runs `fn` inside the context of a request (method, URL, `X-Request-Id` header). Inside an
 * existing context (`server.ts` opened it and Next then called the route) that one is kept.
 */
export function withRequestContext<T>(req: { method?: string; url?: string; requestId?: string | null }, fn: (ctx: RequestContext) => T): T {
  const existing = currentRequest();
  if (existing) return fn(existing);
  const ctx: RequestContext = { id: requestIdFrom(req.requestId), method: req.method ?? 'GET', path: pathOf(req.url) };
  return als().run(ctx, () => fn(ctx));
}

/**
 * Runs `fn` outside any request's context. What is started lazily during a first request (the
 * runtime's timers, pools and listeners) would otherwise carry that request's id forever.
 */
export function outsideRequest<T>(fn: () => T): T {
  return als().exit(fn);
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname.slice(0, 256);
  } catch {
    return '/';
  }
}
