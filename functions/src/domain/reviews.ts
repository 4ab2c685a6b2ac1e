import type { Review } from './models.js';

/** An agent's average rating, to two decimals, from the exact sum and count (0 before any). */
export const averageOf = (sum: number, count: number) => (count > 0 ? Math.round((sum / count) * 100) / 100 : 0);

/**
 * One user's review written over their previous one (or none): what is stored, and how the
 * agent's rating sum and count change. A user has one review; editing it keeps its creation time.
 */
export function reviewChange(prev: Review | null, next: Review): { review: Review; sumDelta: number; countDelta: number } {
  return {
    review: { ...next, createdAt: prev?.createdAt ?? next.createdAt },
    sumDelta: next.rating - (prev?.rating ?? 0),
    countDelta: prev ? 0 : 1,
  };
}
