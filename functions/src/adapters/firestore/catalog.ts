import type { CatalogStore, Page, PageRequest } from '../../app/ports.js';
import { ManifestSchema, type Manifest } from '../../domain/manifest.js';
import type { AgentListing } from '../../domain/models.js';
import { dataOf, firestore, paginate } from './client.js';

const agents = () => firestore().collection('agents');

export class FirestoreCatalogStore implements CatalogStore {
  listPublished(page: PageRequest): Promise<Page<AgentListing>> {
    const q = agents().where('state', '==', 'published').orderBy('name').orderBy('id');
    return paginate<AgentListing>(q, page, ['plain', 'plain'], (a) => [a.name, a.id]);
  }

  async getListing(agentId: string): Promise<AgentListing | null> {
    return dataOf<AgentListing>(await agents().doc(agentId).get());
  }

  async getVersion(agentId: string, version: string): Promise<Manifest | null> {
    const doc = dataOf<{ manifest: unknown }>(await agents().doc(agentId).collection('versions').doc(version).get());
    return doc ? ManifestSchema.parse(doc.manifest) : null;
  }

  async publish(listing: AgentListing, manifest: Manifest): Promise<void> {
    const ref = agents().doc(listing.id);
    await firestore().runTransaction(async (tx) => {
      const existing = await tx.get(ref);
      // Counters and ratings belong to the marketplace, not to the publisher's listing data.
      const kept = existing.exists
        ? {
            installCount: Number(existing.get('installCount') ?? 0),
            ratingAvg: Number(existing.get('ratingAvg') ?? 0),
            ratingCount: Number(existing.get('ratingCount') ?? 0),
          }
        : {};
      tx.set(ref, { ...listing, ...kept });
      tx.set(ref.collection('versions').doc(manifest.version), {
        version: manifest.version,
        manifest,
        publishedAt: listing.updatedAt,
      });
    });
  }
}
