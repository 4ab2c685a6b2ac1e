/**
 * The billing page's pure pieces, in Node: a cap typed in dollars read as integer cents from
 * its digits, the months the picker offers, and the provider's return path as a hash route.
 */
import { describe, expect, it } from 'vitest';
import { capInputValue, parseCapAmount } from '../../web/src/pages/billing/capAmount.ts';
import { recentMonths } from '../../web/src/pages/billing/months.ts';
import { hashRouteFor } from '../../web/src/pathRoutes.ts';

describe('a spend cap typed in dollars', () => {
  it('reads integer cents from the digits, never through a float', () => {
    expect(parseCapAmount('0.29')).toEqual({ ok: true, amountMinor: 29 });
    expect(parseCapAmount('19.99')).toEqual({ ok: true, amountMinor: 1999 }); // 19.99 * 100 is 1998.9999999999998
    expect(parseCapAmount(' $1,000.5 ')).toEqual({ ok: true, amountMinor: 100_050 });
    expect(parseCapAmount('.5')).toEqual({ ok: true, amountMinor: 50 });
    expect(parseCapAmount('7.')).toEqual({ ok: true, amountMinor: 700 });
    expect(parseCapAmount('007')).toEqual({ ok: true, amountMinor: 700 });
    expect(parseCapAmount('0')).toEqual({ ok: true, amountMinor: 0 });
    expect(parseCapAmount('1000000')).toEqual({ ok: true, amountMinor: 100_000_000 });
  });

  it('reads an empty field as no cap', () => {
    expect(parseCapAmount('')).toEqual({ ok: true, amountMinor: null });
    expect(parseCapAmount('   ')).toEqual({ ok: true, amountMinor: null });
  });

  it('refuses negative amounts, a third decimal, other text and more than the API takes', () => {
    expect(parseCapAmount('-1')).toEqual({ ok: false, problem: 'negative' });
    expect(parseCapAmount('1.234')).toEqual({ ok: false, problem: 'decimals' });
    for (const text of ['abc', '.', '1,00', '1e3', '12 50', '1.2.3', 'Infinity', '0x10']) expect(parseCapAmount(text), text).toEqual({ ok: false, problem: 'format' });
    expect(parseCapAmount('1000000.01')).toEqual({ ok: false, problem: 'tooLarge' });
    expect(parseCapAmount('99999999999999999999')).toEqual({ ok: false, problem: 'tooLarge' });
  });

  it('shows cents back as the field holds them', () => {
    expect(capInputValue(null)).toBe('');
    expect(capInputValue(5)).toBe('0.05');
    expect(capInputValue(100_029)).toBe('1000.29');
    for (const cents of [0, 1, 29, 1999, 100_000_000]) expect(parseCapAmount(capInputValue(cents))).toEqual({ ok: true, amountMinor: cents });
  });
});

describe('the month picker', () => {
  it('offers this UTC month and the 11 before it, across a year boundary', () => {
    const months = recentMonths(new Date('2026-02-01T00:30:00Z'));
    expect(months.map((m) => m.value)).toEqual(['2026-02', '2026-01', '2025-12', '2025-11', '2025-10', '2025-09', '2025-08', '2025-07', '2025-06', '2025-05', '2025-04', '2025-03']);
    expect(months[0]!.label).toBe('February 2026');
    expect(months[2]!.label).toBe('December 2025');
  });
});

describe("the billing provider's return path", () => {
  it('becomes the billing page of that workspace, keeping the query', () => {
    expect(hashRouteFor('/workspaces/ws_1/billing', '?checkout=complete')).toBe('/billing?checkout=complete&ws=ws_1');
    expect(hashRouteFor('/workspaces/ws%201/billing/', '?portal=closed')).toBe('/billing?portal=closed&ws=ws+1');
    expect(hashRouteFor('/', '')).toBeNull();
    expect(hashRouteFor('/workspaces/a/b/billing', '')).toBeNull();
    expect(hashRouteFor('/workspaces/%E0%A4%A/billing', '')).toBeNull();
  });

  it("back from payout onboarding, becomes the publisher's earnings page, keeping the query", () => {
    expect(hashRouteFor('/publishers/platform-tests/payouts', '?onboarding=complete')).toBe('/publishers/platform-tests/earnings?onboarding=complete');
    expect(hashRouteFor('/publishers/tally-labs/payouts/', '')).toBe('/publishers/tally-labs/earnings');
    expect(hashRouteFor('/publishers/a/b/payouts', '')).toBeNull();
    expect(hashRouteFor('/publishers/%E0%A4%A/payouts', '')).toBeNull();
  });
});
