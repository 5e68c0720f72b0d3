/**
 * The model the chaos run is checked against, and the checker. A client's record is what it
 * really saw, in order, across all its reconnects: the domain-event ids (with a fingerprint of
 * each payload) and marks (connection attempts, refusals, `connected`, `reset`, stream ends,
 * stalls, frames of another owner). The truth is the event log read after every writer stopped,
 * plus the rows the test itself pruned. Pure functions: no I/O, unit-tested in model.test.ts.
 *
 * Invariants, per client:
 *  - the ids received for its owner are exactly the log's ids after its starting point (the id of
 *    its first `connected`), in order, with no duplicate;
 *  - a gap is allowed only where a `reset {history_gap}` covers it and that reset's cause held:
 *    the first event after the client's position had been pruned before the reset arrived;
 *  - a `reset` is never sent for anything else (the contract: an overflowing stream is ended and
 *    the client resumes from its last received id; it is never told to skip);
 *  - every event's payload is the log's payload for that id;
 *  - no frame of another owner, ever;
 *  - it reaches the log head once the writers stop (unless its user was deleted or demoted);
 *  - a deleted or demoted user's stream ends within the re-auth interval, and no stream of theirs
 *    opens afterwards (the first part only when enforced: see `CheckOptions.enforceReauth`).
 */

export type Mark =
  | { k: 'attempt'; at: number; t: number; instance: number; lastEventId?: number }
  | { k: 'refused'; at: number; t: number; instance: number; status: number; error?: string }
  | { k: 'connected'; at: number; t: number; instance: number; id?: number; lastEventId: string | null }
  | { k: 'reset'; at: number; t: number; reason: string; id?: number; hint?: number }
  | { k: 'frame'; at: number; t: number; event: string; data?: unknown }
  | { k: 'end'; at: number; t: number; cause: 'server' | 'drop' | 'stop' }
  | { k: 'stall'; at: number; t: number; ms: number }
  | { k: 'foreign'; at: number; t: number; event: string; ownerId: string; id?: string };

/** Everything one client saw. `at` of a mark is `ids.length` when it happened. */
export interface ClientRecord {
  index: number;
  ownerId: number;
  /** Who the client is: `owner` (the owner's own user) or `admin` (an ADMIN opening this owner). */
  who: 'owner' | 'admin';
  /** Set for a client whose user the run deletes or demotes, with when (run ms) once it happened. */
  doomed?: { kind: 'delete' | 'demote'; t?: number };
  /** The position of its first stream (the `connected` id): the ids after it are owed. */
  start?: number;
  ids: number[];
  hashes: number[];
  marks: Mark[];
}

export interface Prune {
  ownerId: number;
  /** Every event with seq ≤ upTo is gone from this moment (run ms, taken before the DELETE). */
  upTo: number;
  t: number;
}

export interface Truth {
  /** The final head per owner (owner_sequences.last_seq). */
  heads: Map<number, number>;
  /** Fingerprint of every event ever committed, owner → seq → hash (log rows plus pruned rows). */
  events: Map<number, Map<number, number>>;
  prunes: Prune[];
  /** The server's replay cap (events); a reset beyond it with the history present is still a violation. */
  replayLimit: number;
}

export interface CheckOptions {
  reauthIntervalMs: number;
  /** Grace beyond the interval (delivery, timers). */
  reauthSlackMs: number;
  /** When false, a doomed stream that does not end is reported in `notes`, not as a violation. */
  enforceReauth: boolean;
  /** Describes an instance index for messages ("i2/route"). */
  instanceName?: (i: number) => string;
  /** Faults near a time, for the diagnosis in messages. */
  faultsNear?: (t: number) => string;
  /** Whether instance `i` was killed or frozen between run times `from` and `to` (then a stream end proves nothing). */
  disrupted?: (i: number, from: number, to: number) => boolean;
}

/** Streams of deleted/demoted users open at that moment: ended in time, late, or ended only by a fault. */
export interface ReauthTally {
  ended: number;
  late: number;
  /** Ended in time, but its instance was killed or frozen meanwhile: not evidence either way. */
  disrupted: number;
}

export type ViolationKind =
  | 'missed'
  | 'duplicate'
  | 'out_of_order'
  | 'payload'
  | 'foreign_owner'
  | 'unjustified_reset'
  | 'overflow_reset'
  | 'overflow_hint_ahead'
  | 'reset_backwards'
  | 'stuck'
  | 'never_connected'
  | 'no_head_id'
  | 'unexpected_refusal'
  | 'reauth_open'
  | 'reauth_not_ended';

export interface Violation {
  kind: ViolationKind;
  client: number;
  ownerId: number;
  t?: number;
  message: string;
}

export interface CheckResult {
  violations: Violation[];
  /** Observations that are not failures (e.g. the re-auth check skipped). */
  notes: string[];
  reauth: ReauthTally;
}

const fmtT = (t: number) => `${(t / 1000).toFixed(2)}s`;
const range = (a: number, b: number) => (a === b ? `${a}` : `${a}–${b}`);

/** A short account of the marks just before index `at` (what the client had just been through). */
export function contextBefore(r: ClientRecord, markIndex: number, opts: Pick<CheckOptions, 'instanceName'> = {}): string {
  const name = opts.instanceName ?? ((i: number) => `i${i}`);
  const recent = r.marks.slice(Math.max(0, markIndex - 4), markIndex);
  return recent
    .map((m) => {
      switch (m.k) {
        case 'attempt':
          return `open ${name(m.instance)}${m.lastEventId === undefined ? '' : ` Last-Event-ID ${m.lastEventId}`} @${fmtT(m.t)}`;
        case 'refused':
          return `refused ${m.status}${m.error ? ` ${m.error}` : ''} @${fmtT(m.t)}`;
        case 'connected':
          return `connected${m.id === undefined ? '' : ` id ${m.id}`} @${fmtT(m.t)}`;
        case 'reset':
          return `reset{${m.reason}${m.hint === undefined ? '' : `, lastEventId ${m.hint}`}}${m.id === undefined ? '' : ` id ${m.id}`} @${fmtT(m.t)}`;
        case 'frame':
          return `${m.event} @${fmtT(m.t)}`;
        case 'end':
          return `end(${m.cause}) @${fmtT(m.t)}`;
        case 'stall':
          return `stall ${m.ms}ms @${fmtT(m.t)}`;
        case 'foreign':
          return `foreign ${m.event} @${fmtT(m.t)}`;
      }
    })
    .join(' → ');
}

/** Whether event `seq` of `ownerId` had been pruned by run time `t`. */
export function prunedBy(truth: Truth, ownerId: number, seq: number, t: number): boolean {
  return truth.prunes.some((p) => p.ownerId === ownerId && p.upTo >= seq && p.t <= t);
}

/** Checks one client's record against the truth. */
export function checkClient(r: ClientRecord, truth: Truth, opts: CheckOptions): CheckResult {
  const out: Violation[] = [];
  const notes: string[] = [];
  const perKind = new Map<ViolationKind, number>();
  const add = (kind: ViolationKind, message: string, t?: number) => {
    const n = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, n);
    if (n <= 5) out.push({ kind, client: r.index, ownerId: r.ownerId, t, message });
    else if (n === 6) out.push({ kind, client: r.index, ownerId: r.ownerId, t, message: `… more ${kind} violations of this client omitted` });
  };
  const who = `client ${r.index} (${r.who}) of owner ${r.ownerId}`;
  const near = (t: number) => (opts.faultsNear ? opts.faultsNear(t) : '');
  const head = truth.heads.get(r.ownerId) ?? 0;
  const log = truth.events.get(r.ownerId) ?? new Map<number, number>();

  const first = r.marks.findIndex((m) => m.k === 'connected');
  if (first < 0) {
    if (!r.doomed) add('never_connected', `${who} never got a stream: ${contextBefore(r, r.marks.length, opts)}`);
    return { violations: out, notes, reauth: { ended: 0, late: 0, disrupted: 0 } };
  }
  const firstConnected = r.marks[first] as Extract<Mark, { k: 'connected' }>;
  if (firstConnected.id === undefined) add('no_head_id', `${who}: its first \`connected\` carried no id (the head)`, firstConnected.t);
  let pos = r.start ?? firstConnected.id ?? 0;
  const seen = new Set<number>();
  let mi = 0;
  let lastT = 0;

  const handleMark = (m: Mark, index: number) => {
    lastT = m.t;
    if (m.k === 'foreign') add('foreign_owner', `${who} got a ${m.event} frame of owner ${m.ownerId}${m.id ? ` (id ${m.id})` : ''} @${fmtT(m.t)}`, m.t);
    if (m.k === 'refused' && !r.doomed && [400, 401, 403, 404].includes(m.status)) {
      add('unexpected_refusal', `${who} was refused ${m.status} ${m.error ?? ''} @${fmtT(m.t)}`, m.t);
    }
    if (m.k !== 'reset') return;
    if (m.reason === 'history_gap') {
      const to = m.id ?? m.hint ?? pos;
      if (to < pos) add('reset_backwards', `${who}: reset{history_gap} to ${to} behind its position ${pos} @${fmtT(m.t)}`, m.t);
      const justified = to > pos && prunedBy(truth, r.ownerId, pos + 1, m.t);
      if (!justified) {
        const behind = to - pos;
        const why =
          behind > truth.replayLimit
            ? `the replay cap (${behind} events behind > ${truth.replayLimit}) while the log still held them`
            : to === pos
              ? 'nothing to skip (already at the head)'
              : `event ${pos + 1} was still in the log`;
        add(
          'unjustified_reset',
          `${who}: reset{history_gap} skipping ids ${range(pos + 1, Math.max(pos + 1, to))} though ${why} @${fmtT(m.t)}; ${contextBefore(r, index, opts)}${near(m.t)}`,
          m.t,
        );
      }
      pos = Math.max(pos, to);
    } else {
      add(
        'overflow_reset',
        `${who}: reset{${m.reason}} sent while the history was present (the contract ends an overflowing stream and lets the client resume) @${fmtT(m.t)}; ${contextBefore(r, index, opts)}`,
        m.t,
      );
      if (m.hint !== undefined && m.hint > pos) {
        add(
          'overflow_hint_ahead',
          `${who}: reset{${m.reason}, lastEventId ${m.hint}} but the last id it received was ${pos}: a client resuming from the hint loses ids ${range(pos + 1, m.hint)} @${fmtT(m.t)}; ${contextBefore(r, index, opts)}${near(m.t)}`,
          m.t,
        );
      }
    }
  };

  for (let i = 0; i <= r.ids.length; i++) {
    while (mi < r.marks.length && r.marks[mi].at <= i) {
      if (mi >= first) handleMark(r.marks[mi], mi);
      mi++;
    }
    if (i === r.ids.length) break;
    const id = r.ids[i];
    const markIndex = mi;
    const tNow = lastT;
    if (id > pos + 1) {
      const skipped = [];
      for (let s = pos + 1; s < id; s++) skipped.push(s);
      const pruned = skipped.filter((s) => prunedBy(truth, r.ownerId, s, Number.POSITIVE_INFINITY));
      add(
        'missed',
        `${who} missed ids ${range(pos + 1, id - 1)} (got ${id} right after ${pos}${pruned.length ? `; ${pruned.length} of them pruned, no reset sent` : ''}); ${contextBefore(r, markIndex, opts)}${near(tNow)}`,
        tNow,
      );
    } else if (id <= pos) {
      add(
        seen.has(id) ? 'duplicate' : 'out_of_order',
        `${who} got id ${id} ${seen.has(id) ? 'again' : 'out of order'} after ${pos}; ${contextBefore(r, markIndex, opts)}${near(tNow)}`,
        tNow,
      );
    }
    const want = log.get(id);
    if (want === undefined) add('payload', `${who} got id ${id}, which the log never held (head ${head})`, tNow);
    else if (want !== r.hashes[i]) add('payload', `${who} got id ${id} with another payload than the log's`, tNow);
    seen.add(id);
    pos = Math.max(pos, id);
  }

  if (!r.doomed && pos < head) {
    add('stuck', `${who} never received ids ${range(pos + 1, head)} (the head); its last steps: ${contextBefore(r, r.marks.length, opts)}`);
  }

  const reauth: ReauthTally = { ended: 0, late: 0, disrupted: 0 };
  if (r.doomed?.t !== undefined) {
    const outcome = checkReauth(r, r.doomed.t, opts, add, notes, who);
    if (outcome) reauth[outcome]++;
  }
  return { violations: out, notes, reauth };
}

/** The re-auth part for a client whose user was deleted or demoted at run time `at`. */
function checkReauth(
  r: ClientRecord,
  at: number,
  opts: CheckOptions,
  add: (kind: ViolationKind, message: string, t?: number) => void,
  notes: string[],
  who: string,
): keyof ReauthTally | undefined {
  const limit = at + opts.reauthIntervalMs + opts.reauthSlackMs;
  // Opening after the change must be refused (checked at open time).
  for (let i = 0; i < r.marks.length; i++) {
    const m = r.marks[i];
    if (m.k !== 'connected') continue;
    const attempt = [...r.marks.slice(0, i)].reverse().find((x) => x.k === 'attempt');
    if (attempt && attempt.t > at) add('reauth_open', `${who}: a stream opened @${fmtT(m.t)} after its user was ${r.doomed!.kind}d @${fmtT(at)}`, m.t);
  }
  // The stream open at that moment must end within the interval.
  let openOn: number | undefined;
  let endedAt: number | undefined;
  for (const m of r.marks) {
    if (m.t > at && openOn !== undefined && m.k === 'end') {
      endedAt = m.t;
      break;
    }
    if (m.t <= at) {
      if (m.k === 'connected') openOn = m.instance;
      if (m.k === 'end') openOn = undefined;
    }
  }
  if (openOn === undefined) return undefined;
  // A frozen or killed instance cannot run its sweep: a stream it held is not late because of that.
  if (endedAt !== undefined && opts.disrupted?.(openOn, at, endedAt)) return 'disrupted';
  const late = endedAt === undefined || endedAt > limit;
  if (!late) return 'ended';
  const what = `${who}: its stream stayed open ${endedAt === undefined ? 'until the run ended' : `until ${fmtT(endedAt)}`} after its user was ${r.doomed!.kind}d @${fmtT(at)} (limit ${fmtT(limit)}: WS_REAUTH_INTERVAL ${opts.reauthIntervalMs} ms + ${opts.reauthSlackMs} ms)`;
  if (opts.enforceReauth) add('reauth_not_ended', what, at);
  else notes.push(what);
  return 'late';
}

/** Checks every client; violations are sorted by time. */
export function checkAll(records: readonly ClientRecord[], truth: Truth, opts: CheckOptions): CheckResult {
  const all: CheckResult = { violations: [], notes: [], reauth: { ended: 0, late: 0, disrupted: 0 } };
  for (const r of records) {
    const res = checkClient(r, truth, opts);
    all.violations.push(...res.violations);
    all.notes.push(...res.notes);
    all.reauth.ended += res.reauth.ended;
    all.reauth.late += res.reauth.late;
    all.reauth.disrupted += res.reauth.disrupted;
  }
  all.violations.sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity));
  return all;
}
