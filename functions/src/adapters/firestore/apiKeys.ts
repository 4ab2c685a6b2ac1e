import type { Page, PageRequest } from '../../app/shared/paging.js';
import type { ApiKeyStore } from '../../app/workspaces/ports.js';
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import type { ApiKey, Member } from '../../domain/models.js';
import { apiKeyLimitReached } from '../../domain/limits.js';
import { dataOf, firestore, paginate } from './client.js';

const keysOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('apiKeys');

export class FirestoreApiKeyStore implements ApiKeyStore {
  /**
   * Counts the open keys in the same transaction as the creation. The query's documents are
   * read in the transaction, and the workspace's `apiKeysChangedAt` is written by every create
   * and revoke, so two concurrent creates conflict and one retries and sees the other.
   */
  async create(key: ApiKey, maxOpen: number): Promise<void> {
    const ws = firestore().collection('workspaces').doc(key.wsId);
    await firestore().runTransaction(async (tx) => {
      const [open] = await Promise.all([tx.get(keysOf(key.wsId).where('revokedAt', '==', null).select().limit(maxOpen)), tx.get(ws)]);
      if (open.size >= maxOpen) throw apiKeyLimitReached(maxOpen);
      tx.create(keysOf(key.wsId).doc(key.id), key);
      tx.update(ws, { apiKeysChangedAt: key.createdAt });
    });
  }

  async get(wsId: string, keyId: string): Promise<ApiKey | null> {
    return dataOf<ApiKey>(await keysOf(wsId).doc(keyId).get());
  }

  list(wsId: string, page: PageRequest): Promise<Page<ApiKey>> {
    const q = keysOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<ApiKey>(q, page, ['timestamp', 'plain'], (k) => [k.createdAt, k.id]);
  }

  async revoke(wsId: string, keyId: string, at: Date): Promise<ApiKey | null> {
    const ref = keysOf(wsId).doc(keyId);
    return firestore().runTransaction(async (tx) => {
      const key = dataOf<ApiKey>(await tx.get(ref));
      if (!key) return null;
      if (key.revokedAt) return key;
      tx.update(ref, { revokedAt: at });
      tx.update(firestore().collection('workspaces').doc(wsId), { apiKeysChangedAt: at });
      return { ...key, revokedAt: at };
    });
  }

  async transfer(wsId: string, keyId: string, toUid: string, decide: (key: ApiKey, target: Member | null) => ApiKey): Promise<ApiKey | null> {
    const ref = keysOf(wsId).doc(keyId);
    const targetRef = firestore().collection('workspaces').doc(wsId).collection('members').doc(toUid);
    return firestore().runTransaction(async (tx) => {
      const [keySnap, targetSnap] = (await tx.getAll(ref, targetRef)) as [DocumentSnapshot, DocumentSnapshot];
      const key = dataOf<ApiKey>(keySnap);
      if (!key) return null;
      const next = decide(key, dataOf<Member>(targetSnap));
      tx.update(ref, { ownedBy: next.ownedBy });
      return next;
    });
  }

  async touch(wsId: string, keyId: string, at: Date): Promise<void> {
    await keysOf(wsId).doc(keyId).update({ lastUsedAt: at });
  }
}
