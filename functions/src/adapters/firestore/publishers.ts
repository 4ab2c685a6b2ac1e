import type { PlatformAdmins, PublisherStore } from '../../app/publishing/ports.js';
import { AppError, notFound } from '../../domain/errors.js';
import { ownerUidsOf, type PublisherMemberRecord, type PublisherRecord } from '../../domain/publishers.js';
import { firestore, revive } from './client.js';

/**
 * Publishers (`publishers/{id}`): name and members on the document itself, with `memberUids`
 * for "my publishers" and `ownerUids` for payouts (docs/billing.md) derived from the members
 * on every write. Billing's fields on the same document (`payoutAccount`, `shareBps`) are
 * never touched here: every write merges.
 */
const publishers = () => firestore().collection('publishers');
const agents = () => firestore().collection('agents');

function recordOf(id: string, data: Record<string, unknown> | undefined): PublisherRecord | null {
  if (!data) return null;
  const d = revive<Record<string, unknown>>(data);
  return {
    id,
    name: typeof d['name'] === 'string' ? d['name'] : id,
    createdAt: d['createdAt'] instanceof Date ? d['createdAt'] : new Date(0),
    createdBy: typeof d['createdBy'] === 'string' ? d['createdBy'] : '',
    members: (d['members'] && typeof d['members'] === 'object' ? d['members'] : {}) as Record<string, PublisherMemberRecord>,
  };
}

const membershipFields = (members: Record<string, PublisherMemberRecord>) => ({
  members,
  memberUids: Object.keys(members).sort(),
  ownerUids: ownerUidsOf({ members }),
});

export class FirestorePublisherStore implements PublisherStore {
  async get(publisherId: string): Promise<PublisherRecord | null> {
    return recordOf(publisherId, (await publishers().doc(publisherId).get()).data());
  }

  async create(record: PublisherRecord): Promise<PublisherRecord> {
    const ref = publishers().doc(record.id);
    // Catalog agents name this publisher without a document (seeded ones): the id is not free.
    // Read outside the transaction: a query there holds the agents it reads against every
    // catalog write (the emulator times such transactions out), and only the seed writes a
    // listing of a publisher that has no document.
    const held = !(await agents().where('publisher', '==', record.id).limit(1).get()).empty;
    return firestore().runTransaction(async (tx) => {
      const stored = recordOf(record.id, (await tx.get(ref)).data());
      if (stored) return stored;
      if (held) throw new AppError('conflict', 'publisher_id_taken', `The publisher id ${record.id} is taken.`);
      tx.create(ref, { id: record.id, name: record.name, createdAt: record.createdAt, createdBy: record.createdBy, ...membershipFields(record.members) });
      return record;
    });
  }

  async listFor(uid: string): Promise<PublisherRecord[]> {
    const snap = await publishers().where('memberUids', 'array-contains', uid).limit(100).get();
    return snap.docs.map((d) => recordOf(d.id, d.data())!).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async updateMembers(publisherId: string, change: (current: PublisherRecord) => Record<string, PublisherMemberRecord>): Promise<PublisherRecord> {
    const ref = publishers().doc(publisherId);
    return firestore().runTransaction(async (tx) => {
      const current = recordOf(publisherId, (await tx.get(ref)).data());
      if (!current) throw notFound('Publisher', 'publisher_not_found');
      const members = change(current);
      // A whole-map write: a merge would keep removed members.
      tx.update(ref, membershipFields(members));
      return { ...current, members };
    });
  }
}

export class FirestorePlatformAdmins implements PlatformAdmins {
  async isAdmin(uid: string): Promise<boolean> {
    return (await firestore().collection('platformAdmins').doc(uid).get()).exists;
  }
}
