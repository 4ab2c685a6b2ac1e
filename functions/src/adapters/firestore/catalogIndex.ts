import { Timestamp } from 'firebase-admin/firestore';
import { CatalogIndex, INDEX_FIELDS, type IndexEntry } from '../../domain/catalogIndex.js';
import { firestore } from './client.js';

/**
 * One CatalogIndex per instance, loaded on the first search and kept fresh by a listener on
 * published listings (projected to the search fields: never the prefix tokens). Until the first
 * snapshot has arrived, or after the listener failed, `ready` is false and the store runs the
 * Firestore plan instead, so correctness never depends on the listener.
 */
export class CatalogIndexFeed {
  readonly index = new CatalogIndex();
  private state: 'idle' | 'loading' | 'ready' | 'failed' = 'idle';
  private unsubscribe: (() => void) | null = null;
  /** Milliseconds from start to the first complete snapshot (bench and logs). */
  loadMs: number | null = null;

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Starts the listener once; a failed one is restarted on a later call. */
  start(): void {
    if (this.state === 'loading' || this.state === 'ready') return;
    this.state = 'loading';
    const t0 = Date.now();
    const query = firestore().collection('agents').where('state', '==', 'published').select(...INDEX_FIELDS);
    this.unsubscribe = query.onSnapshot(
      (snap) => {
        for (const change of snap.docChanges()) {
          if (change.type === 'removed') this.index.remove(change.doc.id);
          else this.index.upsert(entryOf(change.doc.id, change.doc.data()));
        }
        if (this.state === 'loading') {
          this.loadMs = Date.now() - t0;
          this.state = 'ready';
        }
      },
      (err) => {
        // Searches fall back to Firestore; the next search tries again from a fresh index.
        console.warn(JSON.stringify({ severity: 'WARNING', message: 'catalog index listener failed', error: String(err) }));
        this.stop();
        this.state = 'failed';
      },
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.index.clear();
    this.state = 'idle';
  }
}

function entryOf(id: string, d: FirebaseFirestore.DocumentData): IndexEntry {
  const at = d.publishedAt as unknown;
  return {
    id,
    searchWords: Array.isArray(d.searchWords) ? (d.searchWords as string[]) : [],
    categories: Array.isArray(d.categories) ? (d.categories as string[]) : [],
    tags: Array.isArray(d.tags) ? (d.tags as string[]) : [],
    pricingModel: String(d.pricingModel ?? ''),
    publisher: String(d.publisher ?? ''),
    ratingAvg: Number(d.ratingAvg ?? 0),
    installCount: Number(d.installCount ?? 0),
    publishedAt: at instanceof Timestamp ? at.toMillis() : at instanceof Date ? at.getTime() : Number(at ?? 0),
    nameKey: String(d.nameKey ?? ''),
  };
}
