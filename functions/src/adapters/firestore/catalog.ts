import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import type { CatalogStore } from '../../app/catalog/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { type CatalogPlan } from '../../domain/catalogSearch.js';
import { ManifestSchema, type Manifest } from '../../domain/manifest.js';
import type { AgentListing, AgentVersion, Review } from '../../domain/models.js';
import { publication } from '../../domain/publishing.js';
import { averageOf, reviewChange } from '../../domain/reviews.js';
import { CatalogIndexFeed } from './catalogIndex.js';
import { contended, dataOf, decodeCursor, encodeCursor, firestore, paginate, revive } from './client.js';

const agents = () => firestore().collection('agents');

/** A version document as stored: the seed writes the published fields only; the pipeline adds its own. */
type StoredVersion = AgentVersion & { state?: string; deprecated?: { at: Date; message: string } | null; yanked?: { at: Date; reason: string } | null };
const isPublished = (v: StoredVersion) => v.state === undefined || v.state === 'published';
const publicVersion = (v: StoredVersion): AgentVersion => ({
  version: v.version,
  manifest: v.manifest,
  yaml: v.yaml,
  releaseNotes: v.releaseNotes,
  publishedAt: v.publishedAt,
  deprecated: v.deprecated ?? null,
  yanked: v.yanked ?? null,
});

const TIMESTAMP_FIELDS = new Set(['publishedAt']);
/** Documents per read: the page (+1) when every document read is a result, more when some are filtered out. */
const FILTERED_BATCH = 150;
const MAX_SCAN = 450;

export class FirestoreCatalogStore implements CatalogStore {
  /** With `index`, searches answer from an in-memory index (catalogIndex.ts) once it is loaded. */
  readonly feed: CatalogIndexFeed | null;
  constructor(options: { index?: boolean } = {}) {
    this.feed = options.index ? new CatalogIndexFeed() : null;
  }

  async search(plan: CatalogPlan, limit: number, cursor: string | undefined): Promise<Page<AgentListing> & { scanned: number }> {
    this.feed?.start();
    if (this.feed?.ready) return this.searchIndexed(this.feed, plan, limit, cursor);
    return this.searchFirestore(plan, limit, cursor);
  }

  /** The page's ids from the index, then exactly those documents: `scanned` is the page size. */
  private async searchIndexed(feed: CatalogIndexFeed, plan: CatalogPlan, limit: number, cursor: string | undefined): Promise<Page<AgentListing> & { scanned: number }> {
    const after = cursor ? (decodeCursor(cursor, 2) as [number | string, string]) : null;
    const page = feed.index.search(plan.query, limit, after);
    if (page.ids.length === 0) return { items: [], nextCursor: null, scanned: 0 };
    const docs = await firestore().getAll(...page.ids.map((id) => agents().doc(id)));
    // The listener may trail a write by a moment: a listing no longer published is left out.
    const items = docs.filter((d) => d.exists && d.get('state') === 'published').map((d) => revive<AgentListing>(d.data()));
    return { items, nextCursor: page.next ? encodeCursor(page.next) : null, scanned: docs.length };
  }

  /** Today's plan on Firestore alone: the fallback while the index loads or if its listener failed. */
  private async searchFirestore(plan: CatalogPlan, limit: number, cursor: string | undefined): Promise<Page<AgentListing> & { scanned: number }> {
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
    const BATCH = plan.postFiltered ? FILTERED_BATCH : limit + 1;
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
    const listing = dataOf<AgentListing>(await agents().doc(agentId).get());
    // The exact figure from sum and count, even if the stored average is a moment behind.
    return listing ? { ...listing, ratingAvg: averageOf(listing.ratingSum ?? 0, listing.ratingCount ?? 0) } : null;
  }

  async getVersion(agentId: string, version: string): Promise<Manifest | null> {
    const doc = await this.getVersionDoc(agentId, version);
    return doc ? ManifestSchema.parse(doc.manifest) : null;
  }

  /** Published versions only: one still in the pipeline (docs/publishing.md) is its developers' business. */
  async getVersionDoc(agentId: string, version: string): Promise<AgentVersion | null> {
    const doc = dataOf<StoredVersion>(await agents().doc(agentId).collection('versions').doc(version).get());
    return doc && isPublished(doc) ? publicVersion(doc) : null;
  }

  async listVersions(agentId: string): Promise<AgentVersion[]> {
    const snap = await agents().doc(agentId).collection('versions').orderBy('publishedAt', 'desc').limit(100).get();
    return snap.docs.map((d) => revive<StoredVersion>(d.data())).filter(isPublished).map(publicVersion);
  }

  async publish(listing: AgentListing, manifest: Manifest, yaml: string): Promise<void> {
    const ref = agents().doc(listing.id);
    const versionRef = ref.collection('versions').doc(manifest.version);
    await firestore().runTransaction(async (tx) => {
      const [existing, existingVersion] = await tx.getAll(ref, versionRef);
      const stored = {
        listing: existing?.exists ? revive<AgentListing>(existing.data()) : null,
        version: existingVersion?.exists ? revive<AgentVersion>(existingVersion.data()) : null,
      };
      const next = publication(stored, listing, manifest, yaml);
      tx.set(ref, next.listing);
      tx.set(versionRef, next.version);
    });
  }

  /**
   * The review and the aggregate's sum and count change in one transaction that reads only the
   * user's own review (so reviewers never contend) and increments the agent's counters. The
   * average (stored for sorting and filtering) is then recomputed from the exact sum and count.
   */
  async putReview(review: Review): Promise<{ review: Review; ratingAvg: number; ratingCount: number }> {
    const agentRef = agents().doc(review.agentId);
    const reviewRef = agentRef.collection('reviews').doc(review.uid);
    const stored = await contended(() =>
      firestore().runTransaction(async (tx) => {
        const prevSnap = await tx.get(reviewRef);
        const change = reviewChange(prevSnap.exists ? revive<Review>(prevSnap.data()) : null, review);
        tx.set(reviewRef, change.review);
        tx.update(agentRef, { ratingSum: FieldValue.increment(change.sumDelta), ratingCount: FieldValue.increment(change.countDelta) });
        return change.review;
      }, { maxAttempts: 30 }),
    );
    // Best effort: a refresh that loses to a concurrent one is fine, the later one stores the
    // same exact figure; the answer is computed from the counters either way.
    const refreshed = await this.refreshRatingAvg(review.agentId).catch(async () => {
      const snap = await agentRef.get();
      const count = Number(snap.get('ratingCount') ?? 0);
      return { ratingAvg: averageOf(Number(snap.get('ratingSum') ?? 0), count), ratingCount: count };
    });
    return { review: stored, ...refreshed };
  }

  /** Stores ratingAvg = ratingSum / ratingCount; idempotent, so any later call converges it. */
  async refreshRatingAvg(agentId: string): Promise<{ ratingAvg: number; ratingCount: number }> {
    const ref = agents().doc(agentId);
    return contended(() =>
      firestore().runTransaction(
        async (tx) => {
          const snap = await tx.get(ref);
          const sum = Number(snap.get('ratingSum') ?? 0);
          const count = Number(snap.get('ratingCount') ?? 0);
          const ratingAvg = averageOf(sum, count);
          if (snap.get('ratingAvg') !== ratingAvg) tx.update(ref, { ratingAvg });
          return { ratingAvg, ratingCount: count };
        },
        { maxAttempts: 10 },
      ),
    );
  }

  listReviews(agentId: string, page: PageRequest): Promise<Page<Review>> {
    const q = agents().doc(agentId).collection('reviews').orderBy('updatedAt', 'desc').orderBy('uid', 'desc');
    return paginate<Review>(q, page, ['timestamp', 'plain'], (r) => [r.updatedAt, r.uid]);
  }
}
