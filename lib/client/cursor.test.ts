import { describe, expect, it } from 'vitest';
import { EventCursor } from './cursor';

describe('EventCursor (Last-Event-ID tracking)', () => {
  it('records ids and drops duplicates and older ids', () => {
    const c = new EventCursor();
    expect(c.value).toBeNull();
    expect(c.accept('5')).toBe(true);
    expect(c.accept('6')).toBe(true);
    expect(c.accept('6')).toBe(false);
    expect(c.accept('3')).toBe(false);
    expect(c.value).toBe('6');
  });

  it('compares numerically, not as strings', () => {
    const c = new EventCursor('9');
    expect(c.accept('10')).toBe(true);
    expect(c.value).toBe('10');
  });

  it('lets frames without an id through without moving', () => {
    const c = new EventCursor('4');
    expect(c.accept(undefined)).toBe(true);
    expect(c.accept('')).toBe(true);
    expect(c.value).toBe('4');
  });

  it('advance only moves forward; reset jumps anywhere', () => {
    const c = new EventCursor('10');
    c.advance('7');
    expect(c.value).toBe('10');
    c.advance('12');
    expect(c.value).toBe('12');
    c.advance(null);
    expect(c.value).toBe('12');
    c.reset('2');
    expect(c.value).toBe('2');
    expect(c.accept('3')).toBe(true);
  });
});
