import type { IdempotencyRecord, IdempotencyStore } from '../../app/shared/idempotency.js';
import { dataOf, firestore } from './client.js';

interface StoredRecord {
  requestHash: string;
  state: 'pending' | 'done';
  status: number | null;
  bodyJson: string | null;
  expiresAt: Date;
}

/**
 * `idempotency/{key}`: the first request claims the key, later ones replay its response.
 * `expiresAt` carries a Firestore TTL policy in production; expired records are ignored here.
 */
export class FirestoreIdempotencyStore implements IdempotencyStore {
  constructor(private readonly now: () => Date) {}

  private ref(key: string) {
    return firestore().collection('idempotency').doc(key);
  }

  async begin(key: string, requestHash: string, ttlSeconds: number): Promise<IdempotencyRecord | null> {
    const ref = this.ref(key);
    return firestore().runTransaction(async (tx) => {
      const existing = dataOf<StoredRecord>(await tx.get(ref));
      const now = this.now();
      if (existing && existing.expiresAt > now) {
        return {
          requestHash: existing.requestHash,
          state: existing.state,
          status: existing.status,
          body: existing.bodyJson === null ? null : (JSON.parse(existing.bodyJson) as unknown),
        };
      }
      const record: StoredRecord = {
        requestHash,
        state: 'pending',
        status: null,
        bodyJson: null,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      };
      tx.set(ref, record);
      return null;
    });
  }

  async complete(key: string, status: number, body: unknown): Promise<void> {
    await this.ref(key).update({ state: 'done', status, bodyJson: JSON.stringify(body) });
  }

  async release(key: string): Promise<void> {
    await this.ref(key).delete();
  }
}
