import type { Transaction } from 'firebase-admin/firestore';
import type { VersionStore } from '../../app/publishing/ports.js';
import { AppError, notFound } from '../../domain/errors.js';
import { ManifestSchema, type Manifest } from '../../domain/manifest.js';
import type { AgentListing } from '../../domain/models.js';
import { latestInstallable, type VersionRecord } from '../../domain/versions.js';
import { firestore, revive } from './client.js';

/**
 * Versions through the pipeline (`agents/{agentId}/versions/{version}`, docs/publishing.md) and
 * the listing they make (`agents/{agentId}`). Versions the seed published before the pipeline
 * existed carry only the published fields; they read as published.
 */
const agents = () => firestore().collection('agents');
const versionsOf = (agentId: string) => agents().doc(agentId).collection('versions');

function recordOf(agentId: string, data: Record<string, unknown> | undefined): VersionRecord | null {
  if (!data) return null;
  const d = revive<Record<string, unknown>>(data);
  const manifest = ManifestSchema.parse(d['manifest']) as Manifest;
  const publishedAt = d['publishedAt'] instanceof Date ? d['publishedAt'] : null;
  return {
    agentId,
    publisherId: typeof d['publisherId'] === 'string' ? d['publisherId'] : manifest.publisher,
    version: String(d['version']),
    state: (d['state'] as VersionRecord['state'] | undefined) ?? 'published',
    manifest,
    yaml: String(d['yaml'] ?? ''),
    releaseNotes: (d['releaseNotes'] as string | null | undefined) ?? null,
    submittedAt: (d['submittedAt'] as Date | undefined) ?? publishedAt ?? new Date(0),
    submittedBy: (d['submittedBy'] as string | undefined) ?? 'seed',
    bundle: (d['bundle'] as VersionRecord['bundle'] | undefined) ?? { key: '', sha256: '', sizeBytes: 0 },
    scan: (d['scan'] as VersionRecord['scan'] | undefined) ?? null,
    review: (d['review'] as VersionRecord['review'] | undefined) ?? null,
    build: (d['build'] as VersionRecord['build'] | undefined) ?? null,
    publishedAt,
    deprecated: (d['deprecated'] as VersionRecord['deprecated'] | undefined) ?? null,
    yanked: (d['yanked'] as VersionRecord['yanked'] | undefined) ?? null,
    history: (d['history'] as VersionRecord['history'] | undefined) ?? [],
  };
}

async function allVersions(tx: Transaction, agentId: string): Promise<VersionRecord[]> {
  const snap = await tx.get(versionsOf(agentId));
  return snap.docs.map((d) => recordOf(agentId, d.data())!);
}

export class FirestoreVersionStore implements VersionStore {
  async get(agentId: string, version: string): Promise<VersionRecord | null> {
    return recordOf(agentId, (await versionsOf(agentId).doc(version).get()).data());
  }

  async list(agentId: string): Promise<VersionRecord[]> {
    const snap = await versionsOf(agentId).limit(500).get();
    return snap.docs.map((d) => recordOf(agentId, d.data())!);
  }

  async agentsOf(publisherId: string): Promise<AgentListing[]> {
    const snap = await agents().where('publisher', '==', publisherId).limit(200).get();
    return snap.docs.map((d) => revive<AgentListing>(d.data())).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async submit(record: VersionRecord, draft: AgentListing, judge: (existing: VersionRecord | null, published: string[]) => void): Promise<VersionRecord> {
    const listingRef = agents().doc(record.agentId);
    const versionRef = versionsOf(record.agentId).doc(record.version);
    return firestore().runTransaction(async (tx) => {
      const listing = await tx.get(listingRef);
      if (listing.exists && listing.get('publisher') !== record.publisherId) {
        throw new AppError('conflict', 'agent_id_taken', `The agent id ${record.agentId} belongs to another publisher.`);
      }
      const versions = await allVersions(tx, record.agentId);
      judge(versions.find((v) => v.version === record.version) ?? null, versions.filter((v) => v.state === 'published').map((v) => v.version));
      if (!listing.exists) tx.create(listingRef, draft);
      tx.set(versionRef, record);
      return record;
    });
  }

  async update(agentId: string, version: string, change: (current: VersionRecord) => VersionRecord): Promise<VersionRecord> {
    const ref = versionsOf(agentId).doc(version);
    return firestore().runTransaction(async (tx) => {
      const current = recordOf(agentId, (await tx.get(ref)).data());
      if (!current) throw notFound('Version', 'agent_version_not_found');
      const next = change(current);
      if (next !== current) tx.set(ref, next);
      return next;
    });
  }

  async updateAndRelist(agentId: string, version: string, change: (current: VersionRecord) => VersionRecord, listingOf: (manifest: Manifest, latest: string) => AgentListing): Promise<VersionRecord> {
    const listingRef = agents().doc(agentId);
    const ref = versionsOf(agentId).doc(version);
    return firestore().runTransaction(async (tx) => {
      const listingSnap = await tx.get(listingRef);
      const versions = await allVersions(tx, agentId);
      const current = versions.find((v) => v.version === version);
      if (!current || !listingSnap.exists) throw notFound('Version', 'agent_version_not_found');
      const next = change(current);
      if (next === current) return current;
      tx.set(ref, next);
      const after = versions.map((v) => (v.version === version ? next : v)).filter((v) => v.state === 'published');
      const latest = latestInstallable(after.map((v) => ({ version: v.version, deprecated: v.deprecated !== null, yanked: v.yanked !== null })));
      // Nothing installable (all yanked): the listing keeps its last version; installs refuse yanked ones.
      if (latest) {
        const stored = revive<AgentListing>(listingSnap.data());
        const manifest = after.find((v) => v.version === latest)!.manifest;
        const fresh = listingOf(manifest, latest);
        tx.set(listingRef, {
          ...fresh,
          state: stored.state === 'suspended' ? 'suspended' : 'published',
          publishedAt: stored.state !== 'draft' && stored.latestVersion === latest ? stored.publishedAt : fresh.publishedAt,
          installCount: stored.installCount ?? 0,
          ratingAvg: stored.ratingAvg ?? 0,
          ratingCount: stored.ratingCount ?? 0,
          ratingSum: stored.ratingSum ?? 0,
        });
      }
      return next;
    });
  }

  async reviewQueue(limit: number): Promise<VersionRecord[]> {
    const snap = await firestore().collectionGroup('versions').where('state', '==', 'in_review').orderBy('submittedAt', 'asc').limit(limit).get();
    return snap.docs.map((d) => recordOf(d.ref.parent.parent!.id, d.data())!);
  }
}
