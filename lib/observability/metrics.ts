/**
 * The process's Prometheus metrics (`prom-client`), exposed by `GET /api/metrics`.
 *
 * One registry per process, in a slot of the process state: Next bundles route handlers,
 * instrumentation and `server.ts` separately, and all of them must count into (and scrape) the
 * same series. Two kinds of series live here:
 * - counted where they happen (refusals, client messages, rate limits, database errors, latency
 *   and tick histograms, bridge reconnects): `metrics().x.inc(...)`;
 * - read at scrape time from the hub's own counters (`HubStats`) and the metrics cache through
 *   the probe the runtime registers (`setMetricsProbe`), so the hot path counts each thing once.
 * With `METRICS_ENABLED=0` every series is a no-op and nothing is collected.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { config } from '../config';
import { processSlot } from '../process-state';
import type { HubStats, Tally } from '../realtime/hub/stats';

/** What the scrape reads from the running runtime. */
export interface MetricsProbe {
  hub: HubStats;
  /** True while the dashboard metrics are served from the last good values (database unreadable). */
  metricsStale: boolean;
  /** True from the start of a drain (SIGTERM/SIGINT). */
  draining: boolean;
}

/** Seconds buckets from 1 ms to 10 s: delivery and bridge lag. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function build(enabled: boolean) {
  const registry = new Registry();
  let probe: (() => MetricsProbe | undefined) | undefined;
  const read = () => probe?.();
  const registers = enabled ? [registry] : [];
  const m = {
    registry,
    enabled,
    /** The runtime hands the scrape its hub and cache (replaced when the runtime is rebuilt). */
    setProbe(p: () => MetricsProbe | undefined) {
      probe = p;
    },
    streamRefusals: new Counter({
      name: 'hangarshare_stream_refusals_total',
      help: 'GET /api/ws refused before streaming, by error code.',
      labelNames: ['code'],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'hangarshare_delivery_latency_seconds',
      help: "Event creation (in its transaction) to written to the owner's live streams, once per event.",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    metricsTick: new Histogram({
      name: 'hangarshare_metrics_tick_seconds',
      help: 'Duration of one dashboard metrics poll (all connected owners, one batched computation).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    clientMessages: new Counter({
      name: 'hangarshare_client_messages_total',
      help: 'POST /api/ws messages, by type and outcome (ok or the error code).',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'hangarshare_rate_limited_total',
      help: 'Requests refused with 429 by a rate limit, by limit.',
      labelNames: ['limit'],
      registers,
    }),
    dbErrors: new Counter({ name: 'hangarshare_db_errors_total', help: 'Failed database operations, by operation.', labelNames: ['op'], registers }),
    bridgeLag: new Histogram({
      name: 'hangarshare_bridge_lag_seconds',
      help: "Another instance's event creation to this instance reading it from the log (NOTIFY bridge, PostgreSQL).",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    bridgeReconnects: new Counter({
      name: 'hangarshare_bridge_reconnects_total',
      help: 'Times the LISTEN connection was re-established (then every connected owner is caught up from the log).',
      registers,
    }),
  };
  if (!enabled) {
    // Off: the hot path calls no-ops, so a benchmark can compare with and without counting.
    const off = { inc() {}, observe() {} };
    return Object.assign(m, {
      streamRefusals: off as unknown as typeof m.streamRefusals,
      deliveryLatency: off as unknown as typeof m.deliveryLatency,
      metricsTick: off as unknown as typeof m.metricsTick,
      clientMessages: off as unknown as typeof m.clientMessages,
      rateLimited: off as unknown as typeof m.rateLimited,
      dbErrors: off as unknown as typeof m.dbErrors,
      bridgeLag: off as unknown as typeof m.bridgeLag,
      bridgeReconnects: off as unknown as typeof m.bridgeReconnects,
    });
  }
  derivedCounter(registry, 'hangarshare_streams_opened_total', 'Streams opened.', [], () => ({ '': read()?.hub.connectionsOpened ?? 0 }));
  derivedCounter(registry, 'hangarshare_streams_closed_total', 'Streams closed, by reason.', ['reason'], () => read()?.hub.closedByReason);
  derivedCounter(
    registry,
    'hangarshare_events_published_total',
    'Committed domain events this instance followed, by type.',
    ['type'],
    () => read()?.hub.publishedByType,
  );
  derivedCounter(registry, 'hangarshare_events_delivered_total', 'Domain events written to live streams (one per stream).', [], () => ({
    '': read()?.hub.eventsDelivered ?? 0,
  }));
  derivedCounter(registry, 'hangarshare_stream_resets_total', 'reset frames sent, by reason.', ['reason'], () => ({ history_gap: read()?.hub.resets ?? 0 }));
  derivedCounter(registry, 'hangarshare_replayed_events_total', 'Events replayed from the log to resuming streams.', [], () => ({
    '': read()?.hub.replayedEvents ?? 0,
  }));
  derivedCounter(registry, 'hangarshare_slow_consumer_disconnects_total', 'Streams ended because their client did not read (queue full).', [], () => ({
    '': read()?.hub.bufferOverflows ?? 0,
  }));
  derivedCounter(registry, 'hangarshare_write_timeouts_total', 'Ended streams cut because their client stopped reading.', [], () => ({
    '': read()?.hub.writeTimeouts ?? 0,
  }));
  new Gauge({
    name: 'hangarshare_streams_open',
    help: 'Open streams, by transport (node = server.ts, route = the route handler).',
    labelNames: ['transport'],
    registers,
    collect() {
      this.reset();
      for (const transport of ['node', 'route']) this.set({ transport }, 0);
      for (const [transport, n] of Object.entries(read()?.hub.openByTransport ?? {})) this.set({ transport }, n);
    },
  });
  new Gauge({
    name: 'hangarshare_metrics_stale',
    help: '1 while the dashboard metrics are the last good values because the database could not be read.',
    registers,
    collect() {
      this.set(read()?.metricsStale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hangarshare_draining',
    help: '1 from the start of a drain (SIGTERM/SIGINT): not ready, streams being sent away.',
    registers,
    collect() {
      this.set(read()?.draining ? 1 : 0);
    },
  });
  collectDefaultMetrics({ register: registry });
  return m;
}

/** A counter whose values are read at scrape time from counts kept elsewhere (label value '' = no label). */
function derivedCounter(registry: Registry, name: string, help: string, labelNames: string[], values: () => Tally | undefined): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [label, n] of Object.entries(values() ?? {})) {
        if (labelNames.length === 0) this.inc(n);
        else this.inc({ [labelNames[0]]: label }, n);
      }
    },
  });
}

/** The process's metrics. */
export type Metrics = ReturnType<typeof build>;

const slot = processSlot<Metrics>('metrics');

/** The process's metrics, created on first use (`METRICS_ENABLED=0`: unregistered, never collected). */
export function metrics(): Metrics {
  return slot.getOrCreate(() => build(config().METRICS_ENABLED === '1'));
}

/** Message types the contract knows; anything else is labelled `unknown` (bounded cardinality). */
const MESSAGE_TYPES = new Set(['auth', 'ping', 'request_metrics', 'unparsed']);

/** Counts one `POST /api/ws` message: its type (as sent) and outcome (`ok` or the error code). */
export function countClientMessage(type: string, outcome: string): void {
  metrics().clientMessages.inc({ type: MESSAGE_TYPES.has(type) ? type : 'unknown', outcome });
}

/** The text exposition of every series (`GET /api/metrics`). */
export async function exposition(): Promise<{ body: string; contentType: string }> {
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}
