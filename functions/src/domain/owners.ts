import { AppError } from './errors.js';
import type { Role } from './roles.js';

/**
 * A workspace always keeps an owner. The store keeps an exact owner count on the workspace and
 * asks this, inside the transaction that changes a member, what the count becomes.
 * `next` null: the member is removed.
 */
export function ownerCountAfter(ownerCount: number, prev: Role | null, next: Role | null): number {
  const after = ownerCount + (next === 'owner' ? 1 : 0) - (prev === 'owner' ? 1 : 0);
  if (after < 1) throw new AppError('precondition', 'last_owner', 'A workspace must keep at least one owner; make someone else owner first.');
  return after;
}
