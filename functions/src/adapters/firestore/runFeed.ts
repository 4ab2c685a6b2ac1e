import { createHash } from 'node:crypto';
import { FieldValue } from 'firebase-admin/firestore';
import type { RunFeed, RunFeedHandlers, StreamSlots } from '../../app/runs/ports.js';
import type { LogChunk, Run, RunEvent } from '../../domain/models.js';
import { dataOf, firestore, revive } from './client.js';
import { runsOf } from './runDocuments.js';

/**
 * A run's live changes through Firestore listeners: the run document, and its events and log
 * chunks after the given positions. A listener bills the documents it delivers (the first
 * snapshot, then each change), so an idle run costs nothing while it is watched.
 */
export class FirestoreRunFeed implements RunFeed {
  watch(wsId: string, runId: string, from: { event: number; log: number }, on: RunFeedHandlers): () => void {
    const ref = runsOf(wsId).doc(runId);
    const added = <T>(snap: FirebaseFirestore.QuerySnapshot) => snap.docChanges().filter((c) => c.type === 'added').map((c) => revive<T>(c.doc.data()));
    const stops = [
      ref.onSnapshot((snap) => on.run(dataOf<Run>(snap)), on.error),
      ref.collection('events').orderBy('seq').startAfter(from.event).onSnapshot((snap) => {
        const events = added<RunEvent>(snap);
        if (events.length) on.events(events);
      }, on.error),
      ref.collection('logs').orderBy('seq').startAfter(from.log).onSnapshot((snap) => {
        const chunks = added<LogChunk>(snap);
        if (chunks.length) on.logs(chunks);
      }, on.error),
    ];
    return () => stops.forEach((stop) => stop());
  }
}

/**
 * `streamSlots/{hash of holder}`: `open` maps each open stream's id to its lease end (ms).
 * Taken and freed in small transactions on a document per holder; expired leases (an instance
 * that died with streams open) are dropped whenever the document is written.
 */
export class FirestoreStreamSlots implements StreamSlots {
  constructor(private readonly now: () => Date) {}

  private ref(holder: string) {
    return firestore().collection('streamSlots').doc(createHash('sha256').update(holder).digest('hex').slice(0, 32));
  }

  async acquire(holder: string, streamId: string, max: number, until: Date): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const ref = this.ref(holder);
    return firestore().runTransaction(async (tx) => {
      const now = this.now().getTime();
      const open = Object.entries((await tx.get(ref)).get('open') as Record<string, number> | undefined ?? {}).filter(([, end]) => end > now);
      if (open.length >= max) {
        const first = Math.min(...open.map(([, end]) => end));
        // A place also frees when a stream closes, usually well before its lease ends: ask again soon.
        return { ok: false as const, retryAfterSeconds: Math.min(10, Math.max(1, Math.ceil((first - now) / 1000))) };
      }
      tx.set(ref, { open: Object.fromEntries([...open, [streamId, until.getTime()]]) });
      return { ok: true as const };
    });
  }

  async release(holder: string, streamId: string): Promise<void> {
    await this.ref(holder).update({ [`open.${streamId}`]: FieldValue.delete() });
  }
}
