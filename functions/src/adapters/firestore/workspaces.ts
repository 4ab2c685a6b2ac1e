import { FieldPath, type DocumentSnapshot, type Transaction } from 'firebase-admin/firestore';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import type { WorkspaceStore } from '../../app/workspaces/ports.js';
import { ownerOf } from '../../domain/apiKeys.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { ApiKey, Member, Workspace } from '../../domain/models.js';
import { workspaceLimitReached } from '../../domain/limits.js';
import { ownerCountAfter } from '../../domain/owners.js';
import type { Role } from '../../domain/roles.js';
import { dataOf, firestore, paginate, revive } from './client.js';

export const wsRef = (wsId: string) => firestore().collection('workspaces').doc(wsId);
export const memberRef = (wsId: string, uid: string) => wsRef(wsId).collection('members').doc(uid);

/**
 * Writes a member inside a transaction that has read the workspace and the member's previous
 * document, keeping the workspace's exact owner count (domain/owners.ts).
 */
export function stageMember(tx: Transaction, member: Member, wsSnap: DocumentSnapshot, prevSnap: DocumentSnapshot): void {
  if (!wsSnap.exists) throw new AppError('not_found', 'workspace_not_found', 'Workspace was not found.');
  const ownerCount = Number(wsSnap.get('ownerCount') ?? 0);
  const after = ownerCountAfter(ownerCount, prevSnap.exists ? (prevSnap.get('role') as Role) : null, member.role);
  tx.set(memberRef(member.wsId, member.uid), member);
  if (after !== ownerCount) tx.update(wsRef(member.wsId), { ownerCount: after });
}

export class FirestoreWorkspaceStore implements WorkspaceStore {
  /**
   * `userLimits/{uid}.workspacesCreated` counts in the same transaction as the creation, so
   * concurrent creates cannot pass the limit together. (Workspaces are never deleted yet; when
   * they are, the count goes down there.)
   */
  async create(ws: Workspace, owner: Member, maxPerUser: number): Promise<void> {
    const counter = firestore().collection('userLimits').doc(owner.uid);
    await firestore().runTransaction(async (tx) => {
      const created = Number((await tx.get(counter)).get('workspacesCreated') ?? 0);
      if (created >= maxPerUser) throw workspaceLimitReached(maxPerUser);
      tx.set(counter, { workspacesCreated: created + 1 }, { merge: true });
      tx.create(wsRef(ws.id), { ...ws, ownerCount: 1 });
      tx.create(memberRef(ws.id, owner.uid), owner);
    });
  }

  async userHasInstalled(uid: string, agentId: string): Promise<boolean> {
    const members = await firestore().collectionGroup('members').where('uid', '==', uid).limit(200).get();
    if (members.empty) return false;
    const snaps = await firestore().getAll(...members.docs.map((m) => wsRef(String(m.get('wsId')))));
    return snaps.some((s) => s.exists && (s.get('installedAgents') as Record<string, unknown> | undefined)?.[agentId] === true);
  }

  async get(wsId: string): Promise<Workspace | null> {
    return dataOf<Workspace>(await wsRef(wsId).get());
  }

  async setSpendCap(wsId: string, capMinor: number | null): Promise<void> {
    // A merge into `billing`: its status and customer, written by billing webhooks, stay as they are.
    await firestore().runTransaction(async (tx) => {
      const ws = dataOf<Workspace>(await tx.get(wsRef(wsId)));
      if (!ws) throw notFound('Workspace', 'workspace_not_found');
      tx.update(wsRef(wsId), { billing: { status: 'active', customerId: null, ...ws.billing, spendCapMinor: capMinor } });
    });
  }

  async getMember(wsId: string, uid: string): Promise<Member | null> {
    return dataOf<Member>(await memberRef(wsId, uid).get());
  }

  listMembers(wsId: string, page: PageRequest): Promise<Page<Member>> {
    const q = wsRef(wsId).collection('members').orderBy(FieldPath.documentId());
    return paginate<Member>(q, page, ['plain'], (m) => [m.uid]);
  }

  async listForUser(uid: string, page: PageRequest): Promise<Page<{ workspace: Workspace; role: Role }>> {
    const q = firestore().collectionGroup('members').where('uid', '==', uid).orderBy('wsId');
    const members = await paginate<Member>(q, page, ['plain'], (m) => [m.wsId]);
    if (members.items.length === 0) return { items: [], nextCursor: null };
    const snaps = await firestore().getAll(...members.items.map((m) => wsRef(m.wsId)));
    const items = snaps.flatMap((snap, i) => {
      const workspace = snap.exists ? revive<Workspace>(snap.data()) : null;
      const role = members.items[i]?.role;
      return workspace && role ? [{ workspace, role }] : [];
    });
    return { items, nextCursor: members.nextCursor };
  }

  /** Role changes keep an exact owner count on the workspace (domain/owners.ts), in the same transaction. */
  async putMember(member: Member): Promise<void> {
    await firestore().runTransaction(async (tx) => {
      const [wsSnap, prevSnap] = (await tx.getAll(wsRef(member.wsId), memberRef(member.wsId, member.uid))) as [DocumentSnapshot, DocumentSnapshot];
      stageMember(tx, member, wsSnap, prevSnap);
    });
  }

  /**
   * The member's keys are found by creator and by owner (keys made before re-owning existed
   * carry no ownedBy), and revoked in the same transaction as the removal: a key re-owned
   * concurrently is either re-owned first (and kept) or revoked.
   */
  async removeMember(wsId: string, uid: string, at: Date): Promise<{ revokedKeys: string[] }> {
    return firestore().runTransaction(async (tx) => {
      const keys = wsRef(wsId).collection('apiKeys');
      const [wsSnap, prevSnap] = (await tx.getAll(wsRef(wsId), memberRef(wsId, uid))) as [DocumentSnapshot, DocumentSnapshot];
      if (!prevSnap.exists) return { revokedKeys: [] };
      const [created, owned] = await Promise.all([tx.get(keys.where('createdBy', '==', uid)), tx.get(keys.where('ownedBy', '==', uid))]);
      const ownerCount = Number(wsSnap.get('ownerCount') ?? 0);
      const after = ownerCountAfter(ownerCount, prevSnap.get('role') as Role, null);
      if (after !== ownerCount) tx.update(wsRef(wsId), { ownerCount: after });
      tx.delete(memberRef(wsId, uid));
      const revoked = new Map<string, DocumentSnapshot>();
      for (const doc of [...created.docs, ...owned.docs]) {
        const key = doc.data() as ApiKey;
        if (!key.revokedAt && ownerOf(key) === uid) revoked.set(doc.id, doc);
      }
      for (const doc of revoked.values()) tx.update(doc.ref, { revokedAt: at });
      return { revokedKeys: [...revoked.keys()] };
    });
  }
}
