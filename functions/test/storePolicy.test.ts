/** Rules the stores apply inside their transactions, decided in the domain (no Firestore here). */
import { describe, expect, it } from 'vitest';
import { ownerCountAfter } from '../src/domain/owners.ts';
import { publication } from '../src/domain/publishing.ts';
import { averageOf, reviewChange } from '../src/domain/reviews.ts';
import { listingOf, parseManifest } from '../src/app/catalog/publishAgent.ts';

const yaml = (version: string, summary = 'Finds idle things and reports them.') => `id: tidy-agent
name: Tidy Agent
version: ${version}
publisher: acme
summary: ${summary}
categories: [operations]
runtime:
  local:
    entry: src/index.ts
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`;

describe('owners', () => {
  it('counts owners as roles change, and never lets the last one go', () => {
    expect(ownerCountAfter(1, null, 'owner')).toBe(2);
    expect(ownerCountAfter(2, 'owner', 'admin')).toBe(1);
    expect(ownerCountAfter(2, 'owner', null)).toBe(1);
    expect(ownerCountAfter(1, 'viewer', null)).toBe(1);
    expect(() => ownerCountAfter(1, 'owner', 'admin')).toThrow(expect.objectContaining({ code: 'last_owner' }));
    expect(() => ownerCountAfter(1, 'owner', null)).toThrow(expect.objectContaining({ code: 'last_owner' }));
  });
});

describe('reviews', () => {
  const at = (s: string) => new Date(`2026-01-0${s}T00:00:00Z`);
  const review = (rating: number, day: string) => ({ agentId: 'a', uid: 'u', authorName: 'U', rating, text: '', createdAt: at(day), updatedAt: at(day) });

  it('adds a first review to the count, and an edit only to the sum, keeping its creation time', () => {
    expect(reviewChange(null, review(4, '1'))).toMatchObject({ sumDelta: 4, countDelta: 1 });
    const edit = reviewChange(review(4, '1'), review(2, '3'));
    expect(edit).toMatchObject({ sumDelta: -2, countDelta: 0 });
    expect(edit.review.createdAt).toEqual(at('1'));
    expect(edit.review.updatedAt).toEqual(at('3'));
  });

  it('averages to two decimals, 0 before any', () => {
    expect(averageOf(0, 0)).toBe(0);
    expect(averageOf(14, 3)).toBe(4.67);
  });
});

describe('publishing', () => {
  const now = new Date('2026-02-01T00:00:00Z');
  const first = parseManifest(yaml('1.0.0'));

  it('carries the marketplace counters over, and keeps the date of a version published again unchanged', () => {
    const listing = { ...listingOf(first, now), installCount: 0 };
    const stored = { listing: { ...listing, installCount: 12, ratingSum: 9, ratingCount: 2, ratingAvg: 4.5, publishedAt: new Date('2026-01-01T00:00:00Z') }, version: null };
    const out = publication(stored, listing, first, yaml('1.0.0'));
    expect(out.listing).toMatchObject({ installCount: 12, ratingSum: 9, ratingCount: 2, ratingAvg: 4.5 });
    expect(out.listing.publishedAt).toEqual(stored.listing.publishedAt);
    const again = publication({ listing: out.listing, version: out.version }, listingOf(first, new Date('2026-03-01T00:00:00Z')), first, yaml('1.0.0'));
    expect(again.version.publishedAt).toEqual(out.version.publishedAt);
  });

  it('refuses another publisher, and a published version with different contents', () => {
    const listing = listingOf(first, now);
    expect(() => publication({ listing: { ...listing, publisher: 'other' }, version: null }, listing, first, yaml('1.0.0'))).toThrow(
      expect.objectContaining({ code: 'agent_id_taken' }),
    );
    const stored = publication({ listing: null, version: null }, listing, first, yaml('1.0.0'));
    const changed = yaml('1.0.0', 'Finds idle things and reports them loudly.');
    expect(() => publication(stored, listing, parseManifest(changed), changed)).toThrow(expect.objectContaining({ code: 'version_exists' }));
  });
});
