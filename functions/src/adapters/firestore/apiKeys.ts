import type { Page, PageRequest } from '../../app/shared/paging.js';
import type { ApiKeyStore } from '../../app/workspaces/ports.js';
import type { ApiKey } from '../../domain/models.js';
import { dataOf, firestore, paginate } from './client.js';

const keysOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('apiKeys');

export class FirestoreApiKeyStore implements ApiKeyStore {
  async create(key: ApiKey): Promise<void> {
    await keysOf(key.wsId).doc(key.id).create(key);
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
      return { ...key, revokedAt: at };
    });
  }

  async touch(wsId: string, keyId: string, at: Date): Promise<void> {
    await keysOf(wsId).doc(keyId).update({ lastUsedAt: at });
  }
}
