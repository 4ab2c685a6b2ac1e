import { FieldPath, FieldValue } from 'firebase-admin/firestore';
import type { InstallStore, Page, PageRequest } from '../../app/ports.js';
import type { Install } from '../../domain/models.js';
import { dataOf, firestore, paginate } from './client.js';

const installsOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('installs');

export class FirestoreInstallStore implements InstallStore {
  async create(install: Install): Promise<void> {
    const batch = firestore().batch();
    batch.create(installsOf(install.wsId).doc(install.id), install);
    // An increment, not a read-modify-write: many workspaces install the same agent at once.
    batch.update(firestore().collection('agents').doc(install.agentId), { installCount: FieldValue.increment(1) });
    // Which agents a workspace has installed: lets its members review them.
    batch.update(firestore().collection('workspaces').doc(install.wsId), new FieldPath('installedAgents', install.agentId), true);
    await batch.commit();
  }

  async get(wsId: string, installId: string): Promise<Install | null> {
    return dataOf<Install>(await installsOf(wsId).doc(installId).get());
  }

  list(wsId: string, page: PageRequest): Promise<Page<Install>> {
    const q = installsOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<Install>(q, page, ['timestamp', 'plain'], (i) => [i.createdAt, i.id]);
  }
}
