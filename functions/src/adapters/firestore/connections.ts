import type { ConnectionStore } from '../../app/cloud/ports.js';
import type { CloudIdentityRecord, Connection, StoredVerification } from '../../domain/cloud/connections.js';
import { dataOf, firestore, revive } from './client.js';

/**
 * workspaces/{ws}/connections/{id} and workspaces/{ws}/internal/cloudIdentity. No rule grants
 * clients either: the API serves them (the external id and the grants are the workspace's business).
 */
const connectionsOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('connections');
const identityRef = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('internal').doc('cloudIdentity');

export class FirestoreConnectionStore implements ConnectionStore {
  async identity(wsId: string, make: () => CloudIdentityRecord): Promise<CloudIdentityRecord> {
    const ref = identityRef(wsId);
    const existing = dataOf<CloudIdentityRecord>(await ref.get());
    if (existing) return existing;
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      // Two first calls at once: one identity wins, and both answer it.
      if (snap.exists) return revive<CloudIdentityRecord>(snap.data()!);
      const made = make();
      tx.create(ref, made);
      return made;
    });
  }

  async get(wsId: string, id: string): Promise<Connection | null> {
    return dataOf<Connection>(await connectionsOf(wsId).doc(id).get());
  }

  async list(wsId: string): Promise<Connection[]> {
    const snap = await connectionsOf(wsId).orderBy('createdAt', 'desc').limit(100).get();
    return snap.docs.map((d) => revive<Connection>(d.data()));
  }

  async create(connection: Connection, unique: (existing: Connection[]) => void): Promise<Connection> {
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(connectionsOf(connection.wsId).limit(100));
      unique(snap.docs.map((d) => revive<Connection>(d.data())));
      tx.create(connectionsOf(connection.wsId).doc(connection.id), connection);
      return connection;
    });
  }

  async delete(wsId: string, id: string): Promise<void> {
    await connectionsOf(wsId).doc(id).delete();
  }

  async setVerification(wsId: string, id: string, verification: StoredVerification): Promise<void> {
    await connectionsOf(wsId).doc(id).update({ verification });
  }
}
