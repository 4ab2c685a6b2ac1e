import { Timestamp } from 'firebase-admin/firestore';
import type { CatalogStore, Page, PageRequest } from '../../app/ports.js';
import { type CatalogPlan } from '../../domain/catalogSearch.js';
import { ManifestSchema, type Manifest } from '../../domain/manifest.js';
import type { AgentListing, AgentVersion, Review } from '../../domain/models.js';
import { contended, dataOf, decodeCursor, encodeCursor, firestore, paginate, revive } from './client.js';

const agents = () => firestore().collection('agents');
const TIMESTAMP_FIELDS = new Set(['publishedAt']);
const BATCH = 50;
const MAX_SCAN = 500;

export class FirestoreCatalogStore implements CatalogStore {
  async search(plan: CatalogPlan, limit: number, cursor: string | undefined): Promise<Page<AgentListing> & { scanned: number }> {
    let query: FirebaseFirestore.Query = agents();
    for (const [field, value] of plan.equalities) query = query.where(field, '==', value);
    if (plan.arrayContains) query = query.where(plan.arrayContains[0], 'array-contains', plan.arrayContains[1]);
    for (const [field, dir] of plan.orderBy) query = query.orderBy(field, dir);

    const toCursorValues = (l: AgentListing) =>
      plan.orderBy.map(([f]) => {
        const v = (l as unknown as Record<string, unknown>)[f];
        return v instanceof Date ? v.getTime() : v;
      });
    let after = cursor
      ? decodeCursor(cursor, plan.orderBy.length).map((v, i) => (TIMESTAMP_FIELDS.has(plan.orderBy[i]![0]) ? Timestamp.fromMillis(Number(v)) : v))
      : null;

    const items: AgentListing[] = [];
    let scanned = 0;
    for (;;) {
      const batch = await (after ? query.startAfter(...after) : query).limit(BATCH).get();
      for (const doc of batch.docs) {
        scanned++;
        const listing = revive<AgentListing>(doc.data());
        if (plan.exhausted(listing)) return { items, nextCursor: null, scanned };
        if (plan.accept(listing)) items.push(listing);
        if (items.length === limit) {
          // More may follow only if this batch or the next has documents left.
          const more = scanned < batch.size || batch.size === BATCH;
          return { items, nextCursor: more ? encodeCursor(toCursorValues(listing)) : null, scanned };
        }
      }
      const last = batch.docs.at(-1);
      if (batch.size < BATCH || !last) return { items, nextCursor: null, scanned };
      after = plan.orderBy.map(([f]) => last.get(f));
      if (scanned >= MAX_SCAN) {
        // Bounded work per request: hand back a cursor at the scan position.
        return { items, nextCursor: encodeCursor(toCursorValues(revive<AgentListing>(last.data()))), scanned };
      }
    }
  }

  async getListing(agentId: string): Promise<AgentListing | null> {
    return dataOf<AgentListing>(await agents().doc(agentId).get());
  }

  async getVersion(agentId: string, version: string): Promise<Manifest | null> {
    const doc = await this.getVersionDoc(agentId, version);
    return doc ? ManifestSchema.parse(doc.manifest) : null;
  }

  async getVersionDoc(agentId: string, version: string): Promise<AgentVersion | null> {
    return dataOf<AgentVersion>(await agents().doc(agentId).collection('versions').doc(version).get());
  }

  async listVersions(agentId: string): Promise<AgentVersion[]> {
    const snap = await agents().doc(agentId).collection('versions').orderBy('publishedAt', 'desc').limit(100).get();
    return snap.docs.map((d) => revive<AgentVersion>(d.data()));
  }

  async publish(listing: AgentListing, manifest: Manifest, yaml: string): Promise<void> {
    const ref = agents().doc(listing.id);
    const versionRef = ref.collection('versions').doc(manifest.version);
    await firestore().runTransaction(async (tx) => {
      const [existing, existingVersion] = await tx.getAll(ref, versionRef);
      const prev = existing?.exists ? revive<AgentListing>(existing.data()) : null;
      const prevVersion = existingVersion?.exists ? revive<AgentVersion>(existingVersion.data()) : null;
      // Counters and ratings belong to the marketplace; republishing a version keeps its date.
      const publishedAt = prevVersion?.publishedAt ?? listing.publishedAt;
      tx.set(ref, {
        ...listing,
        publishedAt: prev && prev.latestVersion === listing.latestVersion ? prev.publishedAt : publishedAt,
        installCount: prev?.installCount ?? 0,
        ratingAvg: prev?.ratingAvg ?? 0,
        ratingCount: prev?.ratingCount ?? 0,
        ratingSum: prev?.ratingSum ?? 0,
      });
      const version: AgentVersion = { version: manifest.version, manifest, yaml, releaseNotes: manifest.releaseNotes ?? null, publishedAt };
      tx.set(versionRef, version);
    });
  }

  async putReview(review: Review): Promise<{ review: Review; ratingAvg: number; ratingCount: number }> {
    const agentRef = agents().doc(review.agentId);
    const reviewRef = agentRef.collection('reviews').doc(review.uid);
    return contended(() => firestore().runTransaction(async (tx) => {
      const [agentSnap, prevSnap] = await tx.getAll(agentRef, reviewRef);
      const sum = Number(agentSnap?.get('ratingSum') ?? 0);
      const count = Number(agentSnap?.get('ratingCount') ?? 0);
      const prev = prevSnap?.exists ? revive<Review>(prevSnap.data()) : null;
      const nextSum = sum - (prev?.rating ?? 0) + review.rating;
      const nextCount = count + (prev ? 0 : 1);
      const ratingAvg = Math.round((nextSum / nextCount) * 100) / 100;
      const stored: Review = { ...review, createdAt: prev?.createdAt ?? review.createdAt };
      tx.set(reviewRef, stored);
      tx.update(agentRef, { ratingSum: nextSum, ratingCount: nextCount, ratingAvg });
      return { review: stored, ratingAvg, ratingCount: nextCount };
    }, { maxAttempts: 30 }));
  }

  listReviews(agentId: string, page: PageRequest): Promise<Page<Review>> {
    const q = agents().doc(agentId).collection('reviews').orderBy('updatedAt', 'desc').orderBy('uid', 'desc');
    return paginate<Review>(q, page, ['timestamp', 'plain'], (r) => [r.updatedAt, r.uid]);
  }
}
