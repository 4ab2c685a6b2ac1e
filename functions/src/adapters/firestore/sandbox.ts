import type { SandboxOverride, SandboxStore } from '../../app/sandbox/ports.js';
import { firestore, revive } from './client.js';

/** Resource ids may contain slashes (cloud resource paths); the document id is the encoded key. */
const docId = (key: string) => encodeURIComponent(key);
const col = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('sandbox');

/** `workspaces/{ws}/sandbox/{kind~id}`: the override plus who changed it last. */
export class FirestoreSandboxStore implements SandboxStore {
  async get(wsId: string, keys: string[]): Promise<Record<string, SandboxOverride>> {
    if (keys.length === 0) return {};
    const snaps = await firestore().getAll(...keys.map((k) => col(wsId).doc(docId(k))));
    const out: Record<string, SandboxOverride> = {};
    snaps.forEach((snap, i) => {
      if (snap.exists) out[keys[i]!] = revive<{ override: SandboxOverride }>(snap.data()).override;
    });
    return out;
  }

  async change(
    wsId: string,
    key: string,
    next: (current: SandboxOverride | null) => { override: SandboxOverride; changed: boolean },
    audit: { runId: string; action: string; reason: string; at: Date },
  ): Promise<{ override: SandboxOverride; changed: boolean }> {
    const ref = col(wsId).doc(docId(key));
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const result = next(snap.exists ? revive<{ override: SandboxOverride }>(snap.data()).override : null);
      if (result.changed) tx.set(ref, { key, override: result.override, lastAction: audit });
      return result;
    });
  }
}
