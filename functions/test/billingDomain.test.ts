import { describe, expect, it } from 'vitest';
import { checkSpendCap, estimateRun, monthCharge, noUsage, type Pricing } from '../src/domain/charges.js';
import { AppError } from '../src/domain/errors.js';
import { money, mulDiv, priceOfMilli, splitBps, sum } from '../src/domain/money.js';
import { usageEventsFor } from '../src/domain/usageEvents.js';
import type { Run } from '../src/domain/models.js';

const pricing = (p: Partial<Pricing>): Pricing => ({ model: 'free', currency: 'usd', amountCents: 0, maxUnitsPerRun: 1000, ...p }) as Pricing;

describe('money', () => {
  it('is whole minor units: products round once, half up, on integers', () => {
    expect(mulDiv(7, 2500, 1000)).toBe(18);
    expect(mulDiv(7, 2499, 1000)).toBe(17);
    expect(mulDiv(9_007_199_254_740_991, 3, 3)).toBe(9_007_199_254_740_991);
    expect(priceOfMilli(7, 1)).toEqual({ amountMinor: 0, currency: 'usd' });
    expect(() => money(1.5)).toThrow(RangeError);
    expect(sum([money(1), money(2), money(3)])).toEqual(money(6));
  });

  it('splits a total by basis points so that the parts always add up, refunds too', () => {
    for (const total of [0, 1, 3, 99, 101, 12_345, -101]) {
      const { share, rest } = splitBps(money(total), 8000);
      expect(share.amountMinor + rest.amountMinor).toBe(total);
    }
    expect(splitBps(money(101), 8000)).toEqual({ share: money(81), rest: money(20) });
    expect(splitBps(money(-101), 8000)).toEqual({ share: money(-81), rest: money(-20) });
  });
});

describe('charges and estimates', () => {
  const month = { runs: 4, computeSeconds: 100, milliUnits: 10_000 };
  it("prices a month under each model, per-unit rounded once on the month's total", () => {
    expect(monthCharge(pricing({}), month).amountMinor).toBe(0);
    expect(monthCharge(pricing({ model: 'subscription', amountCents: 900 }), month).amountMinor).toBe(900);
    expect(monthCharge(pricing({ model: 'subscription', amountCents: 900 }), noUsage()).amountMinor).toBe(0);
    expect(monthCharge(pricing({ model: 'per_run', amountCents: 25 }), month).amountMinor).toBe(100);
    // 10 units at 3 cents, however they were split between runs.
    expect(monthCharge(pricing({ model: 'per_unit', amountCents: 3, unit: 'vm' }), month).amountMinor).toBe(30);
  });

  it('estimates one more run from this month, else last month, else one unit', () => {
    const perUnit = pricing({ model: 'per_unit', amountCents: 3, unit: 'vm' });
    expect(estimateRun(perUnit, month)).toEqual({ amountMinor: 8, currency: 'usd', basis: 'per_unit: an average of 2.5 per run this month (unit: vm)' });
    expect(estimateRun(perUnit, noUsage(), { runs: 2, computeSeconds: 0, milliUnits: 8000 }).basis).toContain('last month');
    expect(estimateRun(perUnit, noUsage())).toMatchObject({ amountMinor: 3, basis: 'per_unit: 1 assumed, no runs yet (unit: vm)' });
    expect(estimateRun(pricing({ model: 'subscription', amountCents: 900 }), noUsage()).amountMinor).toBe(900);
    expect(estimateRun(pricing({ model: 'subscription', amountCents: 900 }), month).amountMinor).toBe(0);
  });

  it('refuses a run that would pass a cap, not one that reaches it exactly', () => {
    const ends = new Date('2026-01-01T00:00:00Z');
    expect(() => checkSpendCap(money(100), money(75), money(25), 'install', ends)).not.toThrow();
    expect(() => checkSpendCap(null, money(1e6), money(25), 'install', ends)).not.toThrow();
    expect(() => checkSpendCap(money(0), money(0), money(0), 'install', ends)).not.toThrow();
    try {
      checkSpendCap(money(100), money(80), money(25), 'workspace', ends);
      expect.fail('not refused');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('spend_cap_reached');
      expect((err as AppError).message).toContain('on 2026-01-01');
    }
  });
});

describe('usage facts of a run change', () => {
  const run = { id: 'r1', wsId: 'w', installId: 'i', agentId: 'a', agentVersion: '1.0.0', attempt: 1, startedAt: null, usage: null } as unknown as Run;
  const at = new Date('2026-12-01T10:00:10.200Z');
  it('a start is billed once per run: attempt 1 only, not a retry or a resume', () => {
    expect(usageEventsFor(run, { ...run }, { from: 'starting', to: 'running' }, at).map((e) => e.id)).toEqual(['usage:r1:run']);
    expect(usageEventsFor({ ...run, attempt: 2 }, { ...run, attempt: 2 }, { from: 'starting', to: 'running' }, at)).toEqual([]);
    expect(usageEventsFor(run, { ...run, attempt: 2, resumes: 1 } as Run, { from: 'starting', to: 'running' }, at)).toEqual([]);
  });
  it("an attempt's compute (whole seconds, rounded up) and its units (thousandths) when it ends", () => {
    const startedAt = new Date('2026-12-01T10:00:00Z');
    const out = usageEventsFor({ ...run, startedAt }, { ...run, startedAt, usage: { units: 2.5 } }, { from: 'running', to: 'succeeded' }, at);
    expect(out.map((e) => [e.id, e.kind, e.quantity])).toEqual([
      ['usage:r1:compute:1', 'compute_seconds', 11],
      ['usage:r1:units:1', 'units', 2500],
    ]);
    expect(out[0]!.occurredAt).toBe(at.toISOString());
  });
});
