/** The store behind `Idempotency-Key` (the API's router claims, completes or releases a key). */
export interface IdempotencyRecord {
  requestHash: string;
  state: 'pending' | 'done';
  status: number | null;
  body: unknown;
}

export interface IdempotencyStore {
  /** Claims the key, or returns what is already recorded under it. */
  begin(key: string, requestHash: string, ttlSeconds: number): Promise<IdempotencyRecord | null>;
  complete(key: string, status: number, body: unknown): Promise<void>;
  release(key: string): Promise<void>;
}
