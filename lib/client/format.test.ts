import { describe, expect, it } from 'vitest';
import { formatBRL, formatDays, formatMonth, formatPercent, formatTime } from './format';

const plain = (s: string) => s.replace(/\s/g, ' ');

describe('pt-BR formatting', () => {
  it('formats BRL with two decimals and pt-BR separators', () => {
    expect(plain(formatBRL(1234.5))).toBe('R$ 1.234,50');
    expect(plain(formatBRL(0))).toBe('R$ 0,00');
    expect(plain(formatBRL('12.345'))).toBe('R$ 12,35');
  });

  it('formats percentages with fixed decimals and an optional sign', () => {
    expect(formatPercent(66.66, 0)).toBe('67%');
    expect(formatPercent(12.34, 1, true)).toBe('+12,3%');
    expect(formatPercent(-4, 1, true)).toBe('-4,0%');
    expect(formatPercent(0, 1, true)).toBe('0,0%');
  });

  it('formats times as HH:MM:SS and months as short pt-BR names', () => {
    expect(formatTime(Date.UTC(2026, 0, 1, 13, 5, 9))).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(formatTime(undefined)).toBe('');
    expect(formatMonth('2026-03').short).toBe('mar');
    expect(formatMonth('2026-03').long).toBe('março de 2026');
  });

  it('pluralises days', () => {
    expect(formatDays(1)).toBe('1 dia');
    expect(formatDays(4)).toBe('4 dias');
  });
});
