import type { RunArtifactStore } from '../../app/runs/ports.js';
import type { Artifact } from '../../domain/models.js';
import { artifactRefusal } from '../../domain/runArtifacts.js';
import { dataOf, firestore, revive } from './client.js';
import { runsOf } from './runDocuments.js';

/** `workspaces/{ws}/runs/{run}/artifacts/{name}`: files an agent attached to its run. */
export class FirestoreRunArtifactStore implements RunArtifactStore {
  async putArtifact(wsId: string, runId: string, artifact: Artifact, maxPerRun: number): Promise<void> {
    const col = runsOf(wsId).doc(runId).collection('artifacts');
    const ref = col.doc(artifact.name);
    await firestore().runTransaction(async (tx) => {
      const [existing, count] = await Promise.all([tx.get(ref), tx.get(col.count())]);
      const refusal = artifactRefusal(existing.exists, count.data().count, maxPerRun);
      if (refusal) throw refusal;
      tx.set(ref, artifact);
    });
  }

  async listArtifacts(wsId: string, runId: string): Promise<Array<Omit<Artifact, 'content'>>> {
    const snap = await runsOf(wsId).doc(runId).collection('artifacts').select('name', 'contentType', 'size', 'encoding', 'attempt', 'createdAt').get();
    return snap.docs.map((d) => revive<Omit<Artifact, 'content'>>(d.data())).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getArtifact(wsId: string, runId: string, name: string): Promise<Artifact | null> {
    return dataOf<Artifact>(await runsOf(wsId).doc(runId).collection('artifacts').doc(name).get());
  }
}
