/**
 * The one process global. Next bundles route handlers, instrumentation and the custom server
 * separately (and hot reload re-evaluates modules), so state that must exist once per process —
 * the parsed config, the rate limiters, the runtime — hangs from one `globalThis` key, here and
 * nowhere else. Each owner of a slot names and types it where it is used.
 */

const KEY = '__hangarshare';

type Slots = Record<string, unknown>;

function slots(): Slots {
  const g = globalThis as { [KEY]?: Slots };
  return (g[KEY] ??= {});
}

/** A named, typed slot of the process state. */
export interface ProcessSlot<T> {
  get(): T | undefined;
  set(value: T | undefined): void;
  /** The value, created by `create` on first use. */
  getOrCreate(create: () => T): T;
}

/** The slot `name`; the same name in any bundle of this process reaches the same value. */
export function processSlot<T>(name: string): ProcessSlot<T> {
  return {
    get: () => slots()[name] as T | undefined,
    set: (value) => {
      slots()[name] = value;
    },
    getOrCreate: (create) => (slots()[name] ??= create()) as T,
  };
}

/**
 * Collects garbage when the process runs with `--expose-gc` (soak and benchmarks ask for it
 * through `GET /api/ws/stats?gc=1`); false otherwise.
 */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return Boolean(gc);
}
