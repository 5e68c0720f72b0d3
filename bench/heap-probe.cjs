/**
 * Bench-only in-process probe, loaded into a server under test with
 * `NODE_OPTIONS=--require bench/heap-probe.cjs` and activated by `BENCH_PROBE_PORT`.
 * It listens on 127.0.0.1:BENCH_PROBE_PORT (the first process that loads it wins; children that
 * inherit NODE_OPTIONS and cannot bind stay silent) and answers:
 *   GET /mem            forced full GC (twice), then process.memoryUsage() and the event-loop delay
 *   GET /cpu            CPU time used so far (no GC)
 *   GET /profile/start  starts the V8 CPU profiler (inspector session in this process)
 *   GET /profile/stop?file=<path>  stops it and writes a .cpuprofile
 *   GET /snapshot?file=<path>      writes a heap snapshot (after a forced GC)
 * Nothing of the app is touched; the server's own code does not know the probe exists.
 */
'use strict';
const port = Number(process.env.BENCH_PROBE_PORT || 0);
if (port > 0) install(port);

function install(port) {
  const http = require('node:http');
  const fs = require('node:fs');
  const v8 = require('node:v8');
  const vm = require('node:vm');
  const inspector = require('node:inspector');
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  v8.setFlagsFromString('--expose-gc');
  const gc = globalThis.gc || vm.runInNewContext('gc');
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let session;

  /** Runs a full GC until heapUsed stops shrinking (at most 4 rounds). */
  function fullGc() {
    let prev = Infinity;
    for (let i = 0; i < 4; i++) {
      gc();
      const used = process.memoryUsage().heapUsed;
      if (used >= prev * 0.999) break;
      prev = used;
    }
  }

  function post(method, params) {
    return new Promise((resolve, reject) => session.post(method, params || {}, (err, res) => (err ? reject(err) : resolve(res))));
  }

  async function route(url) {
    const u = new URL(url, 'http://probe');
    if (u.pathname === '/mem') {
      // Event-loop delay since the previous sample, read before the forced GC adds its own pause.
      const lag = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
      fullGc();
      const m = process.memoryUsage();
      loop.reset();
      const cpu = process.cpuUsage();
      return { pid: process.pid, ...m, loopDelayMs: lag, cpuMs: (cpu.user + cpu.system) / 1000, t: Date.now() };
    }
    if (u.pathname === '/cpu') {
      const cpu = process.cpuUsage();
      return { cpuMs: (cpu.user + cpu.system) / 1000, t: Date.now() };
    }
    if (u.pathname === '/profile/start') {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return { ok: true };
    }
    if (u.pathname === '/profile/stop') {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      fs.writeFileSync(u.searchParams.get('file'), JSON.stringify(profile));
      return { ok: true };
    }
    if (u.pathname === '/snapshot') {
      fullGc();
      return { file: v8.writeHeapSnapshot(u.searchParams.get('file')) };
    }
    throw new Error(`unknown probe path ${u.pathname}`);
  }

  const server = http.createServer((req, res) => {
    route(req.url || '/').then(
      (body) => res.end(JSON.stringify(body)),
      (err) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: String(err?.stack) }));
      },
    );
  });
  server.on('error', () => {}); // another process of the tree holds the port: stay silent
  server.listen(port, '127.0.0.1');
  server.unref();
}
