/**
 * The proof of issue #11: seeded, model-based chaos against real PostgreSQL and real server
 * processes (scenario.ts runs one seed; model.ts states and checks the invariants). A fixed set of
 * seeds runs here; `CHAOS_SEED=123` (or `CHAOS_SEED=1,2,3`) replays others, `CHAOS_SECONDS` sets
 * the chaos phase, `CHAOS_REAUTH=0` turns the re-auth check (WS_REAUTH_INTERVAL) into a report
 * instead of a failure. Longer runs: `npm run chaos -- --minutes N`.
 *
 * PostgreSQL only: several processes share the database, which the embedded one cannot do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuild } from '../support/servers';
import { formatReport, reauthVerdict } from './report';
import type { ChaosReport } from './report';
import { runChaos } from './scenario';

const onPostgres = !!process.env.TEST_BASE_DATABASE_URL;

/** The seeds `npm test` runs (each 30–50 s on two busy cores). */
const FIXED_SEEDS = [128, 121, 123];

const seeds = process.env.CHAOS_SEED ? process.env.CHAOS_SEED.split(',').map((s) => Number(s.trim())) : FIXED_SEEDS;
const chaosMs = Number(process.env.CHAOS_SECONDS ?? 10) * 1000;
const enforceReauth = process.env.CHAOS_REAUTH !== '0';
const reports = new Map<number, ChaosReport>();

describe('chaos: every client gets exactly the log (issue #11)', () => {
  if (!onPostgres) {
    it.skip('needs PostgreSQL (set DATABASE_URL) and real server processes; the embedded PGlite database is one process, so there is nothing to run here', () => {});
    return;
  }

  beforeAll(() => ensureBuild(), 600_000);

  for (const seed of seeds) {
    it(`seed ${seed}: no gap, duplicate, foreign frame or unjustified reset; every client reaches the head`, async () => {
      const report = await runChaos({ seed, chaosMs, settleMs: 30_000, enforceReauth });
      reports.set(seed, report);
      const text = formatReport(report);
      console.log(text);
      expect(report.violations.length + report.logViolations.length, text).toBe(0);
    }, 180_000);

    it(`seed ${seed}: streams of a deleted or demoted user end within WS_REAUTH_INTERVAL`, (ctx) => {
      const report = reports.get(seed);
      if (!report) return ctx.skip('the delivery run of this seed did not complete');
      const { verdict, text } = reauthVerdict(report.reauth, enforceReauth);
      if (verdict === 'skip') return ctx.skip(text);
      expect(
        report.violations.filter((v) => v.kind.startsWith('reauth')),
        text,
      ).toEqual([]);
      expect(verdict, text).toBe('pass');
    });
  }
});
