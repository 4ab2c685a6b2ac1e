import type { DocumentSnapshot } from 'firebase-admin/firestore';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import type { InvitationStore } from '../../app/workspaces/ports.js';
import type { Invitation, Member } from '../../domain/models.js';
import { dataOf, firestore, paginate } from './client.js';
import { memberRef, stageMember, wsRef } from './workspaces.js';

const invitationsOf = (wsId: string) => wsRef(wsId).collection('invitations');

export class FirestoreInvitationStore implements InvitationStore {
  async create(inv: Invitation): Promise<void> {
    await invitationsOf(inv.wsId).doc(inv.id).create(inv);
  }

  async get(wsId: string, id: string): Promise<Invitation | null> {
    return dataOf<Invitation>(await invitationsOf(wsId).doc(id).get());
  }

  list(wsId: string, page: PageRequest): Promise<Page<Invitation>> {
    const q = invitationsOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<Invitation>(q, page, ['timestamp', 'plain'], (i) => [i.createdAt, i.id]);
  }

  async update(wsId: string, id: string, decide: (inv: Invitation) => Invitation): Promise<Invitation | null> {
    const ref = invitationsOf(wsId).doc(id);
    return firestore().runTransaction(async (tx) => {
      const inv = dataOf<Invitation>(await tx.get(ref));
      if (!inv) return null;
      const next = decide(inv);
      if (next !== inv) tx.set(ref, next);
      return next;
    });
  }

  async accept(
    wsId: string,
    id: string,
    uid: string,
    decide: (inv: Invitation, existing: Member | null) => { member: Member; invitation: Invitation },
  ): Promise<{ member: Member; invitation: Invitation } | null> {
    const ref = invitationsOf(wsId).doc(id);
    return firestore().runTransaction(async (tx) => {
      const [invSnap, wsSnap, memberSnap] = (await tx.getAll(ref, wsRef(wsId), memberRef(wsId, uid))) as [DocumentSnapshot, DocumentSnapshot, DocumentSnapshot];
      const inv = dataOf<Invitation>(invSnap);
      if (!inv || !wsSnap.exists) return null;
      const result = decide(inv, dataOf<Member>(memberSnap));
      stageMember(tx, result.member, wsSnap, memberSnap);
      tx.set(ref, result.invitation);
      return result;
    });
  }
}
