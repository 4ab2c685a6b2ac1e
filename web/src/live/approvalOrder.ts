/**
 * The inbox's order, as the API lists approvals: newest first (`createdAt`, then `id`, both
 * descending), and where a partly loaded list stops. Dates are the API's ISO strings, which
 * compare as text; ids are letters and digits, compared as Firestore does (by code unit).
 */
import type { Approval } from '@agent-marketplace/client';

type Ordered = Pick<Approval, 'createdAt' | 'id'>;

/** Sorts newest first. */
export function newestFirst(a: Ordered, b: Ordered): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return 0;
}

/** Whether `a` comes no later than `through` (null: the list is complete, nothing is beyond it). */
export const reaches = (a: Ordered, through: Ordered | null): boolean => through === null || newestFirst(a, through) <= 0;

/** The pending approvals the inbox shows: its filters, and the oldest one it has loaded while older pages remain. */
export interface PendingScope {
  installId: string | null;
  runId: string | null;
  through: Ordered | null;
}
