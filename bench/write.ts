/**
 * `npm run bench:write` — write throughput and write → stream latency (issue #12, item 1).
 *
 * With N streams open over M owners, it sends real writes — `POST /api/hangarshare/booking/confirm`,
 * `PATCH /api/hangarshare/owner/bookings/[id]` (pending → confirmed) and the Stripe webhook
 * (`payment_intent.succeeded`, signed with STRIPE_WEBHOOK_SECRET) — at stepped fixed rates, open
 * loop, until a step saturates (achieved < 90 % of offered, or request p99 > 2 s), against
 * `server.ts` (node), `next start` (route) and the write floor (bench/write-floor.ts), each
 * started by the bench itself on the first free port from 127.0.0.1:3611, over the `.next-bench` build. Per step: achieved
 * writes/s, request latency, request → frame latency over every delivery (matched by booking id),
 * server and PostgreSQL CPU per write (/proc), transactions and rows per write
 * (pg_stat_database; statements when pg_stat_statements is preloaded), and the machine's load.
 *
 * Flags:
 *   --n 0,1000              stream counts (15000 works too; default 0,1000)
 *   --targets node,route,floor   (also `old`: server.ts of the BENCH_OLD_ROOT checkout, the old build beside the new)
 *   --kinds confirm,patch,webhook
 *   --owners 100            owners the streams and writes are spread over (M)
 *   --rates 25,50,…         the ladder, writes/s (default 25,50,100,200,400,800,1600)
 *   --seconds 10            length of a step
 *   --settle 11             quiet seconds before a step's closing database reading (< 11: approximate counts)
 *   --drain 30              seconds a step waits for late answers before cutting them
 *   --no-build              use the existing .next-bench build
 *   --report                only print the tables and redraw the plot from the saved results
 *   --results file.json     results file under bench/out (default write-results.json)
 * Environment: DATABASE_URL (server of the bench database; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_WRITE_DATABASE (default hangarshare_bench_write), BENCH_PORT (first port tried, default 3611; servers inherit the
 * rest of the environment, e.g. METRICS_ENABLED=0).
 * Output: bench/out/write-results.json, bench/out/write-report.md, docs/bench-write.png (another --results
 * file gets its report and plot beside it in bench/out).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { ensureDatabase } from './lib/db';
import { describeMachine, type Machine } from './lib/report';
import { buildApp, root } from './lib/targets';
import { mintWriteTokens, prepareWriteDatabase } from './lib/write-db';
import { WRITE_KINDS, type WriteKind } from './lib/write-load';
import { writeWritePlot } from './lib/write-plot';
import { floorRatios, loadWriteResults, saveStep, stepLine, stepTables } from './lib/write-report';
import { runTarget, type WriteRunContext } from './lib/write-run';
import type { StepResult } from './lib/write-step';
import { DEFAULT_WRITE_TARGETS, WRITE_TARGETS, type WriteTargetKind } from './lib/write-targets';

const OUT = join(root, 'bench', 'out');
const DEFAULT_RESULTS = join(OUT, 'write-results.json');
const log = (m: string) => console.log(`[bench:write ${new Date().toISOString().slice(11, 19)}] ${m}`);

const FLAGS = {
  n: { type: 'string', default: '0,1000' },
  targets: { type: 'string', default: DEFAULT_WRITE_TARGETS.join(',') },
  kinds: { type: 'string', default: WRITE_KINDS.join(',') },
  owners: { type: 'string', default: '100' },
  rates: { type: 'string', default: '25,50,100,200,400,800,1600' },
  seconds: { type: 'string', default: '10' },
  settle: { type: 'string', default: '11' },
  drain: { type: 'string', default: '30' },
  'no-build': { type: 'boolean', default: false },
  report: { type: 'boolean', default: false },
  results: { type: 'string', default: 'write-results.json' },
} as const;

const list = (s: string) => s.split(',').flatMap((x) => (x.trim() ? [x.trim()] : []));

type Options = ReturnType<typeof options>;

function options() {
  const { values } = parseArgs({ options: FLAGS });
  const targets = list(values.targets) as WriteTargetKind[];
  const kinds = list(values.kinds) as WriteKind[];
  for (const t of targets) if (!WRITE_TARGETS.includes(t)) throw new Error(`unknown target ${t} (${WRITE_TARGETS.join(', ')})`);
  for (const k of kinds) if (!WRITE_KINDS.includes(k)) throw new Error(`unknown write ${k} (${WRITE_KINDS.join(', ')})`);
  return {
    sizes: list(values.n).map(Number),
    targets,
    kinds,
    owners: Number(values.owners),
    rates: list(values.rates)
      .map(Number)
      .sort((a, b) => a - b),
    seconds: Number(values.seconds),
    settleMs: Number(values.settle) * 1000,
    drainMs: Number(values.drain) * 1000,
    build: !values['no-build'],
    reportOnly: values.report,
    results: join(OUT, values.results),
  };
}

async function postgresVersion(url: string): Promise<string> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`show server_version`;
    return `PostgreSQL ${row.server_version}`;
  } finally {
    await admin.end();
  }
}

async function report(file: string, kinds: WriteKind[]): Promise<void> {
  const all = loadWriteResults(file);
  const md = `${stepTables(all, WRITE_TARGETS)}\n${floorRatios(all, WRITE_TARGETS)}`;
  console.log(`\n${md}`);
  writeFileSync(file.replace(/(-results)?\.json$/, '-report.md'), `${md}\n`);
  // Only the default results file draws docs/bench-write.png; experiments keep their plot in bench/out.
  const base = file.replace(/(-results)?\.json$/, '-latency');
  const png = await writeWritePlot(all, WRITE_TARGETS, kinds, base, file === DEFAULT_RESULTS ? join(root, 'docs', 'bench-write.png') : `${base}.png`);
  log(png ? `plot → ${png}` : 'plot: SVG only in bench/out (no rsvg-convert, ImageMagick or Chromium)');
}

/** The bench database (seeded), fresh secrets and tokens, and what the results record about the run. */
async function prepare(opt: Options): Promise<Omit<WriteRunContext, 'onStep'> & { meta: { machine: Machine; command: string } }> {
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbUrl = await ensureDatabase(base, process.env.BENCH_WRITE_DATABASE ?? 'hangarshare_bench_write');
  const jwtSecret = randomBytes(32).toString('hex');
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const world = await prepareWriteDatabase(dbUrl, opt.owners, log);
  const tokens = await mintWriteTokens(world, jwtSecret);
  const meta = { machine: describeMachine(await postgresVersion(dbUrl)), command: `npm run bench:write -- ${process.argv.slice(2).join(' ')}`.trim() };
  const { owners, rates, kinds, seconds, settleMs, drainMs } = opt;
  return {
    dbUrl,
    world,
    tokens,
    jwtSecret,
    webhookSecret,
    port: Number(process.env.BENCH_PORT ?? 3611),
    owners,
    rates,
    kinds,
    seconds,
    settleMs,
    drainMs,
    log,
    meta,
  };
}

async function main(): Promise<void> {
  const opt = options();
  mkdirSync(OUT, { recursive: true });
  if (opt.reportOnly) return report(opt.results, opt.kinds);
  const { meta, ...base } = await prepare(opt);
  log(`${meta.machine.nproc} cores, Node ${meta.machine.node}, ${meta.machine.postgres}, commit ${meta.machine.commit}`);
  if (opt.build && opt.targets.some((t) => t !== 'floor')) {
    log('building into .next-bench (skipped when up to date)');
    buildApp({ ...process.env, JWT_SECRET: base.jwtSecret }, opt.targets);
  }
  const fresh = new Set<string>();
  const onStep = (r: StepResult) => {
    log(stepLine(r));
    saveStep(opt.results, r, meta, fresh);
  };
  for (const n of opt.sizes) {
    for (const t of opt.targets) {
      await runTarget({ ...base, onStep }, t, n).catch((err: Error) => log(`${t} N=${n} FAILED: ${err.message} (continuing)`));
    }
  }
  await report(opt.results, opt.kinds);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
