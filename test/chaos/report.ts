/**
 * The chaos run's verdicts beyond the per-client model: the log's own invariants, the re-auth
 * verdict, and the report as text (the plan, the faults as they happened, every violation).
 */
import type { Committed } from './writers';
import type { ClientRecord, ReauthTally, Truth, Violation } from './model';

/** What one seed's run found. */
export interface ChaosReport {
  seed: number;
  plan: string;
  violations: Violation[];
  /** Violations of the log itself (sequence gaps, rolled-back or lost writes). */
  logViolations: string[];
  notes: string[];
  /** Streams of deleted/demoted users open when it happened: how they ended. */
  reauth: ReauthTally;
  faults: string[];
  ms: number;
  /** Per-kind counts. */
  counts: Record<string, number>;
  records: ClientRecord[];
}

/** What the instances are started with; the re-auth check allows one interval plus the slack. */
export const REAUTH_INTERVAL_MS = 1_000;
export const REAUTH_SLACK_MS = 2_000;

/**
 * The log's own invariants: per owner, the rows left plus the rows the test pruned are exactly
 * 1..head; every event the test process committed is there with its payload; nothing of a rolled
 * back transaction is.
 */
export function checkLog(
  truth: Truth,
  logRows: { owner_id: number; seq: number; payload: unknown }[],
  prunedRows: { owner_id: number; seq: number; payload: unknown }[],
  committed: Committed[],
  rolledBack: string[],
): string[] {
  const out: string[] = [];
  for (const [ownerId, head] of truth.heads) {
    const m = truth.events.get(ownerId) ?? new Map();
    const missing: number[] = [];
    for (let s = 1; s <= head; s++) if (!m.has(s)) missing.push(s);
    if (missing.length)
      out.push(`owner ${ownerId}: the log lacks seq ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} below its head ${head}`);
    const beyond = [...m.keys()].filter((s) => s > head);
    if (beyond.length) out.push(`owner ${ownerId}: the log holds seq ${beyond.slice(0, 5).join(', ')} beyond owner_sequences.last_seq ${head}`);
  }
  for (const c of committed) {
    const h = truth.events.get(c.ownerId)?.get(c.seq);
    if (h !== c.hash)
      out.push(`owner ${c.ownerId} seq ${c.seq}: committed by the test process but ${h === undefined ? 'absent from' : 'different in'} the log`);
  }
  const rb = new Set(rolledBack);
  for (const r of [...logRows, ...prunedRows]) {
    for (const found of JSON.stringify(r.payload).match(/\[chaos\d+-tx\d+\]/g) ?? []) {
      if (rb.has(found)) out.push(`owner ${r.owner_id} seq ${r.seq}: written by a transaction that was rolled back (${found})`);
    }
  }
  return out;
}

/** A report as text: the plan, counts, then every violation (grouped by kind, first ones in full). */
export function formatReport(r: ChaosReport, perKind = 8): string {
  const lines = [
    `seed ${r.seed} — ${r.violations.length + r.logViolations.length} violations ${JSON.stringify(r.counts)} in ${(r.ms / 1000).toFixed(1)}s`,
    `plan: ${r.plan}`,
  ];
  lines.push(`faults: ${r.faults.join(' | ')}`);
  const byKind = new Map<string, Violation[]>();
  for (const v of r.violations) byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v]);
  for (const [kind, vs] of byKind) {
    lines.push(`  ${kind} (${vs.length}):`);
    for (const v of vs.slice(0, perKind)) lines.push(`    - ${v.message}`);
    if (vs.length > perKind) lines.push(`    … ${vs.length - perKind} more`);
  }
  for (const l of r.logViolations.slice(0, perKind)) lines.push(`  log: ${l}`);
  for (const n of r.notes.slice(0, 4)) lines.push(`  note: ${n}`);
  lines.push(`  re-auth: ${reauthVerdict(r.reauth, false).text}`);
  lines.push(`replay: CHAOS_SEED=${r.seed} npx vitest run test/chaos/delivery.test.ts   or   npm run chaos -- --seed ${r.seed}`);
  return lines.join('\n');
}

/**
 * What the re-auth check says for a tally: `skip` when no stream of a deleted/demoted user was
 * open to prove anything, or when they outlived the interval and the check is not enforced.
 */
export function reauthVerdict(t: ReauthTally, enforced: boolean): { verdict: 'pass' | 'fail' | 'skip'; text: string } {
  const limit = `WS_REAUTH_INTERVAL (${REAUTH_INTERVAL_MS} ms) + ${REAUTH_SLACK_MS} ms`;
  if (t.late > 0) {
    const text = `${t.late} stream(s) of a deleted/demoted user outlived ${limit}`;
    return enforced
      ? { verdict: 'fail', text }
      : { verdict: 'skip', text: `SKIPPED — ${text}: the server did not end such streams in time (CHAOS_REAUTH=0 reports this instead of failing)` };
  }
  if (t.ended === 0) {
    return {
      verdict: 'skip',
      text: `SKIPPED — not exercised: no stream of a deleted/demoted user was open on an undisturbed instance when it happened (${t.disrupted} ended by a SIGKILL/SIGSTOP)`,
    };
  }
  return { verdict: 'pass', text: `${t.ended} stream(s) of a deleted/demoted user ended within ${limit}` };
}
