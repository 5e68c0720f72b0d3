import { describe, expect, it } from 'vitest';
import { Backoff, fullJitterDelay } from './backoff';

describe('fullJitterDelay (capped exponential backoff, full jitter)', () => {
  it('is uniform in [0, base × 2^attempt]: random 0 gives 0, random → 1 gives the ceiling', () => {
    expect(fullJitterDelay(0, 1000, 30_000, () => 0)).toBe(0);
    expect(fullJitterDelay(0, 1000, 30_000, () => 0.999_999)).toBe(999);
    expect(fullJitterDelay(3, 1000, 30_000, () => 0.5)).toBe(4000);
  });

  it('never exceeds the cap, even after very many attempts', () => {
    for (const attempt of [5, 10, 100, 5000]) {
      const d = fullJitterDelay(attempt, 3000, 30_000, () => 0.999_999);
      expect(d).toBeLessThanOrEqual(30_000);
      expect(d).toBeGreaterThan(29_000);
    }
  });

  it('spreads clients over the whole window (no floor at the exponential value)', () => {
    const samples = Array.from({ length: 2000 }, () => fullJitterDelay(4, 1000));
    expect(Math.min(...samples)).toBeLessThan(1000);
    expect(Math.max(...samples)).toBeGreaterThan(15_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(16_000);
  });

  it('honours a Retry-After floor, even above the cap', () => {
    expect(fullJitterDelay(0, 1000, 30_000, () => 0, 5000)).toBe(5000);
    expect(fullJitterDelay(0, 1000, 30_000, () => 0, 60_000)).toBe(60_000);
  });

  it('falls back to the default base for a bogus one', () => {
    expect(fullJitterDelay(0, Number.NaN, 30_000, () => 0.5)).toBe(1500);
  });
});

describe('Backoff', () => {
  it('counts failures, takes the server retry as base, and resets once live', () => {
    const b = new Backoff(3000, 30_000, () => 0.999_999);
    b.setBase(100);
    expect([b.next(), b.next(), b.next()]).toEqual([99, 199, 399]);
    expect(b.failures).toBe(3);
    b.reset();
    expect(b.next()).toBe(99);
  });

  it('ignores an invalid retry', () => {
    const b = new Backoff(1000, 30_000, () => 0.5);
    b.setBase(-5);
    b.setBase(Number.NaN);
    expect(b.next()).toBe(500);
  });
});
