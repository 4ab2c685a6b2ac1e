import { describe, expect, it } from 'vitest';
import { evictionPageSize } from '../src/app/memory/policy.ts';

/** An install at its quota evicts about one item per new one: it should read a few candidates, not a page. */
describe('eviction candidates read per round', () => {
  const quota = { maxItems: 1_000, maxBytes: 1_000_000 };

  it('reads what must go by count, with a margin of two', () => {
    expect(evictionPageSize({ items: 1_001, bytes: 10_000 }, quota)).toBe(3);
    expect(evictionPageSize({ items: 1_020, bytes: 10_000 }, quota)).toBe(22);
  });

  it('reads what must go by bytes at the average item size', () => {
    // 500 items of 2,100 bytes on average: 50,000 bytes over is about 24 items.
    expect(evictionPageSize({ items: 500, bytes: 1_050_000 }, quota)).toBe(24 + 2);
  });

  it('reads at least three and at most a page', () => {
    expect(evictionPageSize({ items: 10, bytes: 10 }, quota)).toBe(3);
    expect(evictionPageSize({ items: 50_000, bytes: 10 }, quota)).toBe(100);
  });
});
