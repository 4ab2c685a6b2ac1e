import { Timestamp } from 'firebase-admin/firestore';
import type { ScheduleEntry, ScheduleStore } from '../../app/schedules/ports.js';
import { firestore, revive } from './client.js';

const col = () => firestore().collection('schedules');

/** `schedules/{ws}_{install}_{schedule}`: queried by (active, nextFireAt). */
export class FirestoreScheduleStore implements ScheduleStore {
  async replaceForInstall(wsId: string, installId: string, entries: ScheduleEntry[]): Promise<void> {
    const existing = await col().where('wsId', '==', wsId).where('installId', '==', installId).get();
    const batch = firestore().batch();
    const keep = new Set(entries.map((e) => e.id));
    for (const doc of existing.docs) if (!keep.has(doc.id)) batch.delete(doc.ref);
    for (const e of entries) batch.set(col().doc(e.id), e);
    await batch.commit();
  }

  async due(now: Date, limit: number): Promise<ScheduleEntry[]> {
    const snap = await col().where('active', '==', true).where('nextFireAt', '<=', Timestamp.fromDate(now)).orderBy('nextFireAt').limit(limit).get();
    return snap.docs.map((d) => revive<ScheduleEntry>(d.data()));
  }

  async advance(id: string, slot: Date, next: Date): Promise<boolean> {
    const ref = col().doc(id);
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const at = snap.exists ? (snap.get('nextFireAt') as Timestamp).toMillis() : null;
      if (at !== slot.getTime()) return false;
      tx.update(ref, { nextFireAt: next });
      return true;
    });
  }
}
