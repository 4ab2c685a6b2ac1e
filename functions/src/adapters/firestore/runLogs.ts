import type { RunLogStore } from '../../app/runs/ports.js';
import type { LogChunk } from '../../domain/models.js';
import { dataOf, revive } from './client.js';
import { runsOf, seqId } from './runDocuments.js';

/** `workspaces/{ws}/runs/{run}/logs/{seq}`: a run's log in ordered chunks. */
export class FirestoreRunLogStore implements RunLogStore {
  async putLogChunk(wsId: string, runId: string, chunk: LogChunk): Promise<{ created: boolean }> {
    try {
      await runsOf(wsId).doc(runId).collection('logs').doc(seqId(chunk.seq)).create(chunk);
      return { created: true };
    } catch (err) {
      // ALREADY_EXISTS: a retried batch; the first copy stands.
      if ((err as { code?: number }).code === 6) return { created: false };
      throw err;
    }
  }

  async getLogChunk(wsId: string, runId: string, seq: number): Promise<LogChunk | null> {
    return dataOf<LogChunk>(await runsOf(wsId).doc(runId).collection('logs').doc(seqId(seq)).get());
  }

  async replaceLogLines(wsId: string, runId: string, seq: number, lines: LogChunk['lines']): Promise<void> {
    await runsOf(wsId).doc(runId).collection('logs').doc(seqId(seq)).update({ lines });
  }

  async listLogChunks(wsId: string, runId: string, afterSeq: number, limit: number): Promise<LogChunk[]> {
    const snap = await runsOf(wsId).doc(runId).collection('logs').orderBy('seq').startAfter(afterSeq).limit(limit).get();
    return snap.docs.map((d) => revive<LogChunk>(d.data()));
  }
}
