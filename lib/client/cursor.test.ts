import { describe, expect, it } from 'vitest';
import { EventCursor, trackFrame } from './cursor';
import type { Frame } from './types';

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

const frame = (event: string, id?: string, data: unknown = {}): Frame => ({
  event: event as Frame['event'],
  id,
  message: { type: event as Frame['event'], timestamp: 0, data: data as Record<string, unknown>, ownerId: '1' },
});

describe('trackFrame', () => {
  it("takes the id of a fresh stream's connected frame as the resume position", () => {
    const c = new EventCursor();
    expect(trackFrame(c, frame('connected', '57'))).toBe(true);
    expect(c.value).toBe('57');
    expect(trackFrame(c, frame('booking_created', '57'))).toBe(false);
    expect(trackFrame(c, frame('booking_created', '58'))).toBe(true);
  });

  it('delivers protocol frames even when their id is not ahead', () => {
    const c = new EventCursor('60');
    expect(trackFrame(c, frame('connected', '57'))).toBe(true);
    expect(trackFrame(c, frame('metrics_updated'))).toBe(true);
    expect(c.value).toBe('60');
  });

  it('never moves on a reset that is not a history gap (an old server telling a slow client to skip)', () => {
    const c = new EventCursor();
    trackFrame(c, frame('booking_created', '3'));
    expect(trackFrame(c, frame('reset', undefined, { reason: 'overflow', lastEventId: '8' }))).toBe(true);
    expect(c.value).toBe('3');
    expect(trackFrame(c, frame('booking_created', '4'))).toBe(true);
  });

  it('follows a reset to the server position, even backwards (a rebuilt log)', () => {
    const c = new EventCursor('900');
    expect(trackFrame(c, frame('reset', '12', { reason: 'history_gap', lastEventId: '12' }))).toBe(true);
    expect(c.value).toBe('12');
    expect(trackFrame(c, frame('booking_created', '13'))).toBe(true);
  });
});
