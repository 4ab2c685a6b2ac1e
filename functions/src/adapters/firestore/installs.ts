import { FieldPath, FieldValue, type DocumentSnapshot } from 'firebase-admin/firestore';
import type { InstallChange, InstallStore } from '../../app/installs/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { notFound } from '../../domain/errors.js';
import type { Install } from '../../domain/models.js';
import { contended, dataOf, firestore, paginate, revive } from './client.js';

const installsOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('installs');
/** `installs/{id}/internal/refs`: matched by no rule, so no client reads it (firestore.rules). */
const refsOf = (wsId: string, installId: string) => installsOf(wsId).doc(installId).collection('internal').doc('refs');

/** What only the platform reads: where the install's secret values and webhook key live. */
interface InstallRefs {
  secrets: Record<string, string>;
  webhook: string | null;
}

/** The document members read (exactly what the API shows of the install, and the ids of its path) and the references kept apart. */
type ShownInstall = Omit<Install, 'secrets' | 'triggers'> & {
  secrets: Record<string, { setAt: Date; setBy: string }>;
  triggers: Omit<Install['triggers'], 'webhook'> & { webhook: { enabled: boolean } };
};

export function splitInstall(install: Install): { shown: ShownInstall; refs: InstallRefs } {
  const secrets = Object.fromEntries(Object.entries(install.secrets).map(([name, s]) => [name, { setAt: s.setAt, setBy: s.setBy }]));
  const refs = { secrets: Object.fromEntries(Object.entries(install.secrets).map(([name, s]) => [name, s.ref])), webhook: install.triggers.webhook.secretRef };
  return { shown: { ...install, secrets, triggers: { ...install.triggers, webhook: { enabled: install.triggers.webhook.enabled } } }, refs };
}

/**
 * The install from its two documents. A document written before the split still holds its
 * references inline: they are used, and the next update moves them out.
 */
export function joinInstall(stored: Install | ShownInstall, refs: InstallRefs | null): Install {
  const legacy = stored as Partial<Install>;
  const secrets = Object.fromEntries(
    Object.entries(stored.secrets).map(([name, s]) => [name, { ref: refs?.secrets[name] ?? (s as { ref?: string }).ref ?? '', setAt: s.setAt, setBy: s.setBy }]),
  );
  const webhookRef = refs ? refs.webhook : (legacy.triggers?.webhook.secretRef ?? null);
  return { ...stored, secrets, triggers: { ...stored.triggers, webhook: { enabled: stored.triggers.webhook.enabled, secretRef: webhookRef } } };
}

const sameRefs = (a: InstallRefs, b: InstallRefs) =>
  a.webhook === b.webhook && Object.keys(a.secrets).length === Object.keys(b.secrets).length && Object.entries(a.secrets).every(([k, v]) => b.secrets[k] === v);

const refsData = (snap: DocumentSnapshot | undefined) => (snap?.exists ? (snap.data() as InstallRefs) : null);

export class FirestoreInstallStore implements InstallStore {
  async create(install: Install): Promise<void> {
    const { shown, refs } = splitInstall(install);
    const batch = firestore().batch();
    batch.create(installsOf(install.wsId).doc(install.id), shown);
    batch.create(refsOf(install.wsId, install.id), refs);
    await batch.commit();
  }

  async get(wsId: string, installId: string): Promise<Install | null> {
    const [doc, refs] = await firestore().getAll(installsOf(wsId).doc(installId), refsOf(wsId, installId));
    const stored = dataOf<ShownInstall>(doc!);
    return stored ? joinInstall(stored, refsData(refs)) : null;
  }

  async list(wsId: string, page: PageRequest): Promise<Page<Install>> {
    const q = installsOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    const shown = await paginate<ShownInstall>(q, page, ['timestamp', 'plain'], (i) => [i.createdAt, i.id]);
    if (shown.items.length === 0) return { items: [], nextCursor: shown.nextCursor };
    const refs = await firestore().getAll(...shown.items.map((i) => refsOf(wsId, i.id)));
    return { items: shown.items.map((i, n) => joinInstall(i, refsData(refs[n]))), nextCursor: shown.nextCursor };
  }

  async listByConnection(wsId: string, connectionId: string): Promise<Install[]> {
    const snap = await installsOf(wsId).where('connection.id', '==', connectionId).limit(500).get();
    if (snap.empty) return [];
    const refs = await firestore().getAll(...snap.docs.map((d) => refsOf(wsId, d.id)));
    return snap.docs.map((d, n) => joinInstall(revive<ShownInstall>(d.data()), refsData(refs[n])));
  }

  async update(wsId: string, installId: string, change: (install: Install) => InstallChange): Promise<Install> {
    const ref = installsOf(wsId).doc(installId);
    const refsRef = refsOf(wsId, installId);
    return contended(() =>
      firestore().runTransaction(async (tx) => {
        const [doc, refsSnap] = await tx.getAll(ref, refsRef);
        const stored = dataOf<ShownInstall>(doc!);
        if (!stored) throw notFound('Install', 'install_not_found');
        const storedRefs = refsData(refsSnap);
        const { next, installCountDelta } = change(joinInstall(stored, storedRefs));
        const { shown, refs } = splitInstall(next);
        tx.set(ref, shown);
        // References change only when a secret or the webhook key does: no write otherwise.
        if (!storedRefs || !sameRefs(storedRefs, refs)) tx.set(refsRef, refs);
        if (installCountDelta) {
          // An increment, not a read-modify-write: many workspaces install the same agent at once.
          tx.update(firestore().collection('agents').doc(next.agentId), { installCount: FieldValue.increment(installCountDelta) });
          if (installCountDelta > 0) {
            // Which agents a workspace has installed: lets its members review them.
            tx.update(firestore().collection('workspaces').doc(wsId), new FieldPath('installedAgents', next.agentId), true);
          }
        }
        return next;
      }),
    );
  }
}
