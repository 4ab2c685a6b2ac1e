import type { SessionStore } from '../../app/accounts/ports.js';
import type { Session } from '../../domain/models.js';
import { dataOf, firestore, revive } from './client.js';

/** users/{uid}/sessions/{id}: never readable by clients (no rule grants it). */
const userRef = (uid: string) => firestore().collection('users').doc(uid);
const sessionsOf = (uid: string) => userRef(uid).collection('sessions');

export class FirestoreSessionStore implements SessionStore {
  async get(uid: string, id: string): Promise<Session | null> {
    return dataOf<Session>(await sessionsOf(uid).doc(id).get());
  }

  async createIfAbsent(session: Session): Promise<void> {
    try {
      await sessionsOf(session.uid).doc(session.id).create(session);
    } catch (err) {
      // ALREADY_EXISTS: a concurrent request of the same sign-in recorded it first.
      if ((err as { code?: number }).code !== 6) throw err;
    }
  }

  async touch(uid: string, id: string, at: Date): Promise<void> {
    await sessionsOf(uid).doc(id).update({ lastSeenAt: at });
  }

  async listRecent(uid: string, limit: number): Promise<Session[]> {
    const snap = await sessionsOf(uid).orderBy('lastSeenAt', 'desc').limit(limit).get();
    return snap.docs.map((d) => revive<Session>(d.data()));
  }

  async revoke(uid: string, id: string, at: Date): Promise<boolean> {
    const ref = sessionsOf(uid).doc(id);
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return false;
      if (!snap.get('revokedAt')) tx.update(ref, { revokedAt: at });
      return true;
    });
  }

  async revokeAll(uid: string, at: Date): Promise<void> {
    // The cut-off first: from now on no session older than it is admitted at first sight.
    await userRef(uid).set({ sessionsRevokedAt: at }, { merge: true });
    const open = await sessionsOf(uid).where('revokedAt', '==', null).get();
    const writer = firestore().bulkWriter();
    for (const doc of open.docs) void writer.update(doc.ref, { revokedAt: at });
    await writer.close();
  }

  async revokedAllAt(uid: string): Promise<Date | null> {
    const snap = await userRef(uid).get();
    return (dataOf<{ sessionsRevokedAt?: Date }>(snap)?.sessionsRevokedAt ?? null);
  }
}
