/**
 * Process-wide singletons of the realtime layer, kept on `globalThis`: Next bundles route
 * handlers and instrumentation separately and hot reload re-evaluates modules, so module-level
 * state would be duplicated.
 */
import type { Bus } from './bus';
import { MemoryBus } from './bus.memory';

const g = globalThis as { __hangarBus?: Bus };

/** The bus of this process (in-memory unless something installed another). */
export function getBus(): Bus {
  return (g.__hangarBus ??= new MemoryBus());
}

/** Replaces the bus (tests, and the multi-instance bridge). */
export function setBus(bus: Bus): void {
  g.__hangarBus = bus;
}
