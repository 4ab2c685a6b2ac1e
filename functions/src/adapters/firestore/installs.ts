import { FieldPath, FieldValue } from 'firebase-admin/firestore';
import type { InstallChange, InstallStore } from '../../app/installs/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { notFound } from '../../domain/errors.js';
import type { Install } from '../../domain/models.js';
import { contended, dataOf, firestore, paginate } from './client.js';

const installsOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('installs');

export class FirestoreInstallStore implements InstallStore {
  async create(install: Install): Promise<void> {
    await installsOf(install.wsId).doc(install.id).create(install);
  }

  async get(wsId: string, installId: string): Promise<Install | null> {
    return dataOf<Install>(await installsOf(wsId).doc(installId).get());
  }

  list(wsId: string, page: PageRequest): Promise<Page<Install>> {
    const q = installsOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<Install>(q, page, ['timestamp', 'plain'], (i) => [i.createdAt, i.id]);
  }

  async update(wsId: string, installId: string, change: (install: Install) => InstallChange): Promise<Install> {
    const ref = installsOf(wsId).doc(installId);
    return contended(() =>
      firestore().runTransaction(async (tx) => {
        const current = dataOf<Install>(await tx.get(ref));
        if (!current) throw notFound('Install', 'install_not_found');
        const { next, installCountDelta } = change(current);
        tx.set(ref, next);
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
