/**
 * The web client's pure modules, in Node: Retry-After in words, plural forms, and the series
 * the dashboard charts draw.
 */
import { describe, expect, it } from 'vitest';
import { tn } from '../../web/src/i18n.ts';
import { retryAfterText } from '../../web/src/retryAfter.ts';
import { dailySeries } from '../../web/src/ui/dailySeries.ts';

describe('Retry-After in words', () => {
  it('says when to try again in the unit that reads best, with plural forms', () => {
    expect(retryAfterText(0)).toBe('Try again now.');
    expect(retryAfterText(30)).toBe('Try again in 30 seconds.');
    expect(retryAfterText(60)).toBe('Try again in 60 seconds.');
    expect(retryAfterText(90)).toBe('Try again in 2 minutes.');
    expect(retryAfterText(3600)).toBe('Try again in 60 minutes.');
    expect(retryAfterText(7200)).toBe('Try again in 2 hours.');
    expect(tn('error.retryMinutes', 1)).toBe('Try again in 1 minute.');
  });
});

describe('dailySeries', () => {
  it('spans the last 30 UTC days ending today, with zeros and gaps where nothing ran, summing installs', () => {
    const today = new Date('2026-11-26T15:00:00Z');
    const s = dailySeries(
      [
        { date: '2026-11-26', runs: 5, succeeded: 4, failed: 1 },
        { date: '2026-11-26', runs: 1, succeeded: 0, failed: 1 },
        { date: '2026-10-28', runs: 2, succeeded: 2, failed: 0 },
        { date: '2026-10-01', runs: 9, succeeded: 9, failed: 0 }, // older than 30 days: not drawn
      ],
      30,
      today,
    );
    expect(s.x).toHaveLength(30);
    expect(new Date(s.x[29]! * 1000).toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(new Date(s.x[0]! * 1000).toISOString()).toBe('2026-10-28T00:00:00.000Z');
    expect(s.runs[29]).toBe(6);
    expect(s.failed[29]).toBe(2);
    expect(s.rate[29]).toBeCloseTo((4 / 6) * 100);
    expect(s.runs[0]).toBe(2);
    expect(s.rate[0]).toBe(100);
    expect(s.runs[15]).toBe(0);
    expect(s.rate[15]).toBeNull();
    expect(s.runs.reduce((a, b) => a + b, 0)).toBe(8);
  });
});
