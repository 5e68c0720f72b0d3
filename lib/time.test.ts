import { describe, expect, it } from 'vitest';
import { zonedDay } from './time';

describe('zonedDay', () => {
  it.each([
    // 02:30 UTC is still the previous evening in São Paulo (UTC-3).
    ['2026-12-02T02:30:00Z', 'America/Sao_Paulo', '2026-12-01', 23],
    // Local midnight is hour 0, not 24.
    ['2026-12-02T03:00:00Z', 'America/Sao_Paulo', '2026-12-02', 0],
    ['2026-01-05T09:07:00Z', 'UTC', '2026-01-05', 9],
    ['2026-03-01T12:00:00Z', 'Asia/Tokyo', '2026-03-01', 21],
  ])('%s in %s is day %s, hour %i', (at, zone, day, hour) => {
    expect(zonedDay(new Date(at), zone)).toEqual({ day, hour });
  });
});
