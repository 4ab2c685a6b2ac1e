/**
 * `Idempotency-Key`: what a request finds under its key, decided on the record as read in the
 * store's transaction. A key is claimed with a short lease and with the id the creation will
 * use, chosen before any side effect: if the attempt dies (or fails to record its answer)
 * after creating, the next attempt after the lease reuses that id and finds what was created.
 */

/** How long an attempt holds its key before another may take over (not the record's 24 h). */
export const IDEMPOTENCY_LEASE_SECONDS = 60;
/** How long a key is remembered. */
export const IDEMPOTENCY_RETAIN_SECONDS = 24 * 60 * 60;

export interface IdempotencyKeyRecord {
  requestHash: string;
  state: 'pending' | 'done';
  status: number | null;
  body: unknown;
  /** The id the request's creation uses, for every attempt under this key. */
  resourceId: string;
  /** A pending attempt's lease. */
  leaseUntil: Date;
  /** The record is forgotten after this. */
  retainUntil: Date;
}

export type IdempotencyDecision =
  /** Run the handler, creating under `resourceId`; `resumed` when an earlier attempt may have created it. */
  | { kind: 'claimed'; resourceId: string; resumed: boolean; write: IdempotencyKeyRecord }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'in_progress'; retryAfterSeconds: number }
  | { kind: 'reused' };

export function decideIdempotency(existing: IdempotencyKeyRecord | null, requestHash: string, now: Date, freshId: string): IdempotencyDecision {
  const lease = new Date(now.getTime() + IDEMPOTENCY_LEASE_SECONDS * 1000);
  if (!existing || existing.retainUntil <= now) {
    const retainUntil = new Date(now.getTime() + IDEMPOTENCY_RETAIN_SECONDS * 1000);
    return { kind: 'claimed', resourceId: freshId, resumed: false, write: { requestHash, state: 'pending', status: null, body: null, resourceId: freshId, leaseUntil: lease, retainUntil } };
  }
  if (existing.requestHash !== requestHash) return { kind: 'reused' };
  if (existing.state === 'done' && existing.status !== null) return { kind: 'replay', status: existing.status, body: existing.body };
  if (existing.leaseUntil > now) {
    return { kind: 'in_progress', retryAfterSeconds: Math.max(1, Math.ceil((existing.leaseUntil.getTime() - now.getTime()) / 1000)) };
  }
  // The last attempt died or gave up with an unknown outcome: take over, with its id.
  return { kind: 'claimed', resourceId: existing.resourceId, resumed: true, write: { ...existing, state: 'pending', leaseUntil: lease } };
}
