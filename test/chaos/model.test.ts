/**
 * The chaos checker on hand-made records: it must flag exactly the delivery faults the chaos run
 * is meant to find, and accept what the contract allows (a reset after pruning, a resume from the
 * last received id after an overflow). Pure; runs on every backend.
 */
import { describe, expect, it } from 'vitest';
import { checkClient, type ClientRecord, type Mark, type Truth } from './model';
import { canonicalJson, eventHash, Rng } from './prng';

/** A mark without its `at` (distributed over the union, which plain `Omit` would collapse). */
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;
type Step = WithoutAt<Mark>;

const H = (seq: number) => eventHash('booking_created', { n: seq });

function truth(head: number, prunes: Truth['prunes'] = []): Truth {
  const events = new Map<number, number>();
  for (let s = 1; s <= head; s++) events.set(s, H(s));
  return { heads: new Map([[7, head]]), events: new Map([[7, events]]), prunes, replayLimit: 5_000 };
}

/** A record from a script: numbers are received ids, objects are marks (their `at` is filled in). */
function record(script: (number | Step)[], extra: Partial<ClientRecord> = {}): ClientRecord {
  const r: ClientRecord = { index: 0, ownerId: 7, who: 'owner', ids: [], hashes: [], marks: [], ...extra };
  for (const step of script) {
    if (typeof step === 'number') {
      r.ids.push(step);
      r.hashes.push(H(step));
    } else r.marks.push({ ...step, at: r.ids.length } as Mark);
  }
  return r;
}

const opts = { reauthIntervalMs: 1_000, reauthSlackMs: 1_000, enforceReauth: true };
const kinds = (r: ClientRecord, t: Truth, o = opts) => checkClient(r, t, o).violations.map((v) => v.kind);
const connected = (t: number, id?: number): Step => ({ k: 'connected', t, instance: 0, id, lastEventId: id === undefined ? '0' : null });
const attempt = (t: number, lastEventId?: number): Step => ({ k: 'attempt', t, instance: 1, lastEventId });

describe('chaos checker', () => {
  it('accepts exactly the ids after the starting point across reconnects', () => {
    const r = record([attempt(0), connected(1, 2), 3, 4, { k: 'end', t: 5, cause: 'drop' }, attempt(6, 4), connected(7), 5, 6]);
    expect(kinds(r, truth(6))).toEqual([]);
  });

  it('flags a gap, a duplicate and a client that never reaches the head', () => {
    expect(kinds(record([connected(1, 0), 1, 3]), truth(3))).toEqual(['missed']);
    expect(kinds(record([connected(1, 0), 1, 2, 2, 3]), truth(3))).toEqual(['duplicate']);
    expect(kinds(record([connected(1, 0), 1]), truth(3))).toEqual(['stuck']);
  });

  it('flags a payload that is not the log’s, and a frame of another owner', () => {
    const r = record([connected(1, 0), 1]);
    r.hashes[0] = H(99);
    expect(kinds(r, truth(1))).toEqual(['payload']);
    expect(kinds(record([connected(1, 0), { k: 'foreign', t: 2, event: 'booking_created', ownerId: '8', id: '1' }]), truth(0))).toEqual(['foreign_owner']);
  });

  it('accepts a history_gap reset only when the next event had been pruned before it', () => {
    const script = (t: number) => [
      connected(1, 0),
      1,
      { k: 'end', t: 2, cause: 'drop' } as const,
      attempt(3, 1),
      connected(t),
      { k: 'reset', t, reason: 'history_gap', id: 5, hint: 5 } as const,
      6,
    ];
    expect(kinds(record(script(10)), truth(6, [{ ownerId: 7, upTo: 4, t: 5 }]))).toEqual([]);
    // Pruned only after the reset arrived, or not at all: the reset skipped events the log held.
    expect(kinds(record(script(4)), truth(6, [{ ownerId: 7, upTo: 4, t: 5 }]))).toEqual(['unjustified_reset']);
    expect(kinds(record(script(10)), truth(6))).toEqual(['unjustified_reset']);
  });

  it('flags an overflow reset, and its hint when it lies beyond what the client received', () => {
    const r = record([
      connected(1, 0),
      1,
      2,
      { k: 'reset', t: 3, reason: 'overflow', hint: 9 },
      { k: 'end', t: 3, cause: 'server' },
      attempt(4, 2),
      connected(5),
      3,
      4,
      5,
      6,
      7,
      8,
      9,
    ]);
    expect(kinds(r, truth(9))).toEqual(['overflow_reset', 'overflow_hint_ahead']);
  });

  it('requires a deleted user’s stream to end within the interval, and refuses new ones', () => {
    const base = [connected(1, 0), 1, 2] as const;
    const ended = record([...base, { k: 'end', t: 1_500, cause: 'server' }, attempt(1_600, 2), { k: 'refused', t: 1_610, instance: 1, status: 401 }], {
      doomed: { kind: 'delete', t: 1_000 },
    });
    expect(kinds(ended, truth(5))).toEqual([]);
    const lingering = record([...base, { k: 'end', t: 9_000, cause: 'stop' }], { doomed: { kind: 'delete', t: 1_000 } });
    expect(kinds(lingering, truth(5))).toEqual(['reauth_not_ended']);
    const observed = checkClient(lingering, truth(5), { ...opts, enforceReauth: false });
    expect(observed.violations).toEqual([]);
    expect(observed.reauth).toEqual({ ended: 0, late: 1, disrupted: 0 });
    const reopened = record([...base, { k: 'end', t: 1_500, cause: 'server' }, attempt(1_600, 2), connected(1_700)], { doomed: { kind: 'demote', t: 1_000 } });
    expect(kinds(reopened, truth(5))).toEqual(['reauth_open']);
  });
});

describe('chaos PRNG', () => {
  it('replays the same choices for a seed, and forks independently of the parent', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    expect(Array.from({ length: 5 }, () => a.int(0, 1000))).toEqual(Array.from({ length: 5 }, () => b.int(0, 1000)));
    expect(new Rng(5).fork('client1').float()).toBe(new Rng(5).fork('client1').float());
    expect(new Rng(5).fork('client1').float()).not.toBe(new Rng(5).fork('client2').float());
  });

  it('hashes payloads independently of key order (jsonb reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(eventHash('x', { b: 1, a: 2 })).toBe(eventHash('x', { a: 2, b: 1 }));
  });
});
