import type { IdempotencyBegin, IdempotencyStore } from '../../app/shared/idempotency.js';
import { decideIdempotency, type IdempotencyKeyRecord } from '../../domain/idempotency.js';
import { dataOf, firestore } from './client.js';

type StoredRecord = Omit<IdempotencyKeyRecord, 'body'> & { bodyJson: string | null; expiresAt: Date };

/**
 * `idempotency/{key}`: the first request claims the key (with a short lease and the id its
 * creation will use), later ones replay its response. `expiresAt` (the retention end) carries a
 * Firestore TTL policy in production; expired records are ignored here.
 */
export class FirestoreIdempotencyStore implements IdempotencyStore {
  constructor(private readonly now: () => Date) {}

  private ref(key: string) {
    return firestore().collection('idempotency').doc(key);
  }

  async begin(key: string, requestHash: string, freshId: string): Promise<IdempotencyBegin> {
    const ref = this.ref(key);
    return firestore().runTransaction(async (tx) => {
      const stored = dataOf<StoredRecord>(await tx.get(ref));
      // Records written before leases existed: their lease is their retention.
      const existing: IdempotencyKeyRecord | null = stored
        ? {
            ...stored,
            body: stored.bodyJson === null ? null : (JSON.parse(stored.bodyJson) as unknown),
            resourceId: stored.resourceId ?? freshId,
            leaseUntil: stored.leaseUntil ?? stored.expiresAt,
            retainUntil: stored.retainUntil ?? stored.expiresAt,
          }
        : null;
      const decision = decideIdempotency(existing, requestHash, this.now(), freshId);
      if (decision.kind !== 'claimed') return decision;
      const { body, ...rest } = decision.write;
      const record: StoredRecord = { ...rest, bodyJson: body === null ? null : JSON.stringify(body), expiresAt: rest.retainUntil };
      tx.set(ref, record);
      return { kind: 'claimed', resourceId: decision.resourceId, resumed: decision.resumed };
    });
  }

  async complete(key: string, status: number, body: unknown): Promise<void> {
    await this.ref(key).update({ state: 'done', status, bodyJson: JSON.stringify(body) });
  }

  async release(key: string): Promise<void> {
    await this.ref(key).delete();
  }

  async abandon(key: string): Promise<void> {
    await this.ref(key).update({ leaseUntil: this.now() });
  }
}
