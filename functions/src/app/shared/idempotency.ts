import type { IdempotencyDecision } from '../../domain/idempotency.js';

/** What a request finds under its key: its claim (with the id to create under), or the recorded outcome. */
export type IdempotencyBegin = { kind: 'claimed'; resourceId: string; resumed: boolean } | Exclude<IdempotencyDecision, { kind: 'claimed' }>;

/** The store behind `Idempotency-Key` (the API's router claims, completes, releases or abandons a key). */
export interface IdempotencyStore {
  /** Claims the key (domain/idempotency.ts decides, in one transaction with the read), or says what is recorded under it. */
  begin(key: string, requestHash: string, freshId: string): Promise<IdempotencyBegin>;
  complete(key: string, status: number, body: unknown): Promise<void>;
  /** The attempt failed with a known outcome (nothing left half-made): forget the key, id and all. */
  release(key: string): Promise<void>;
  /** The attempt failed with an unknown outcome: end its lease now, keeping the id for the next attempt. */
  abandon(key: string): Promise<void>;
}
