import { AsyncLocalStorage } from 'node:async_hooks';
import { Transform } from 'node:stream';
import type { Firestore } from 'firebase-admin/firestore';

/** Firestore operations one unit of work made, counted as Firestore bills them. */
export interface Usage {
  /** Documents read: found or missing in a get, returned by a query (at least 1 per query), 1 per aggregation up to 1,000 entries. */
  reads: number;
  /** Writes in commits that succeeded, and a BulkWriter's writes that succeeded (deletes included). */
  writes: number;
  /** Commits (and BulkWriter batches) sent, failed ones included (a lost race costs a round trip, not a write). */
  commits: number;
  failedCommits: number;
  /** Calls to Firestore (gets, queries, commits, transaction begins and rollbacks): round trips, one after another unless run in parallel. */
  rpcs: number;
}

const zero = (): Usage => ({ reads: 0, writes: 0, commits: 0, failedCommits: 0, rpcs: 0 });

type Internal = {
  request(method: string, request: any, tag: string, retryCodes?: number[]): Promise<any>;
  requestStream(method: string, bidi: boolean, request: any, tag: string): Promise<NodeJS.ReadableStream>;
};

/**
 * Counts the reads and writes each unit of work makes through one Firestore client, by
 * wrapping the client's two RPC funnels (request and requestStream: internal, so bench-only).
 * Work run inside `measure` is attributed to it through AsyncLocalStorage, so concurrent units
 * are counted apart.
 */
export class FirestoreMeter {
  private readonly current = new AsyncLocalStorage<Usage>();
  readonly total: Usage = zero();
  /** When each document was written (committed), by path: how hot the hottest one runs. */
  private readonly written = new Map<string, number[]>();

  constructor(db: Firestore) {
    const client = db as unknown as Internal;
    const request = client.request.bind(client);
    const requestStream = client.requestStream.bind(client);
    client.request = async (method, req, tag, retryCodes) => {
      const usage = this.current.getStore();
      this.add(usage, { rpcs: 1 });
      if (method !== 'commit' && method !== 'batchWrite') return request(method, req, tag, retryCodes);
      this.add(usage, { commits: 1 });
      try {
        const result = await request(method, req, tag, retryCodes);
        // A BulkWriter's batchWrite applies each write on its own: only those that succeeded count.
        const statuses = method === 'batchWrite' ? ((result as { status?: Array<{ code?: number }> } | undefined)?.status ?? null) : null;
        const writes = ((req.writes as Array<{ update?: { name: string }; delete?: string }> | undefined) ?? []).filter((_, n) => !statuses || !statuses[n]?.code);
        this.add(usage, { writes: writes.length });
        const now = performance.now();
        for (const w of writes) {
          const path = w.update?.name ?? w.delete;
          if (!path) continue;
          const times = this.written.get(path) ?? [];
          times.push(now);
          this.written.set(path, times);
        }
        return result;
      } catch (err) {
        this.add(usage, { failedCommits: 1 });
        throw err;
      }
    };
    client.requestStream = async (method, bidi, req, tag) => {
      const usage = this.current.getStore();
      this.add(usage, { rpcs: 1 });
      const stream = await requestStream(method, bidi, req, tag);
      if (!['batchGetDocuments', 'runQuery', 'runAggregationQuery'].includes(method)) return stream;
      let docs = 0;
      let entries = 0;
      const counted = new Transform({
        objectMode: true,
        transform: (chunk: any, _enc, done) => {
          if (method === 'batchGetDocuments' && (chunk.found || chunk.missing)) docs++;
          if (method === 'runQuery' && chunk.document) docs++;
          if (method === 'runAggregationQuery' && chunk.result) {
            for (const v of Object.values(chunk.result.aggregateFields ?? {}) as Array<{ integerValue?: string }>) entries = Math.max(entries, Number(v.integerValue ?? 0));
          }
          done(null, chunk);
        },
        flush: (done) => {
          if (method === 'runQuery') docs = Math.max(1, docs);
          if (method === 'runAggregationQuery') docs = Math.max(1, Math.ceil(entries / 1000));
          this.add(usage, { reads: docs });
          done();
        },
      });
      stream.on('error', (err: Error) => counted.destroy(err));
      counted.on('close', () => (stream as unknown as { destroy?: () => void }).destroy?.());
      stream.pipe(counted);
      return counted;
    };
  }

  /** Runs `fn`, returning what it made Firestore do (its own work only, not concurrent units'). */
  async measure<T>(fn: () => Promise<T>): Promise<{ usage: Usage; result: T | undefined; error: unknown }> {
    const usage = zero();
    try {
      const result = await this.current.run(usage, fn);
      return { usage, result, error: undefined };
    } catch (error) {
      return { usage, result: undefined, error };
    }
  }

  /** The documents written most within any one second since `since` (performance.now()), most first. */
  hottest(since: number, top = 3, matching = ''): Array<{ path: string; perSecond: number }> {
    const out: Array<{ path: string; perSecond: number }> = [];
    for (const [path, times] of this.written) {
      if (!path.includes(matching)) continue;
      const recent = times.filter((t) => t >= since);
      let best = 0;
      for (let i = 0, j = 0; j < recent.length; j++) {
        while (recent[j]! - recent[i]! >= 1000) i++;
        best = Math.max(best, j - i + 1);
      }
      if (best > 0) out.push({ path: path.slice(path.indexOf('/documents/') + 11), perSecond: best });
    }
    return out.sort((a, b) => b.perSecond - a.perSecond).slice(0, top);
  }

  private add(usage: Usage | undefined, delta: Partial<Usage>): void {
    for (const target of usage ? [usage, this.total] : [this.total]) {
      for (const [k, n] of Object.entries(delta) as Array<[keyof Usage, number]>) target[k] += n;
    }
  }
}
