import type { RunnerClient } from '@agent-marketplace/client';

/**
 * `ctx.memory` (docs/memory.md): what an agent keeps across runs of its install, at the levels
 * its manifest declares. Every call goes to the runner API, which checks it again and keeps the
 * memory per install; a level the manifest does not declare fails here at once, by name.
 */
export type MemoryValue = null | boolean | number | string | MemoryValue[] | { [key: string]: MemoryValue };
export type MemoryMetadata = Record<string, string | number | boolean>;

export interface MemoryHit {
  id: string;
  text: string;
  metadata: MemoryMetadata;
  /** 0..1, higher is closer. */
  score: number;
  updatedAt: string;
}

export interface Episode {
  runId: string;
  at: string;
  saw: string;
  did: string;
  outcome: 'succeeded' | 'failed' | 'partial';
  metadata: MemoryMetadata;
  /** Set when searched by a query. */
  score: number | null;
}

export interface AgentMemory {
  /** Key-value state kept per install across runs; versions make concurrent runs safe. */
  task: {
    get<T extends MemoryValue = MemoryValue>(key: string): Promise<{ value: T; version: number } | null>;
    /** `expectedVersion`: null writes only a new key; a number only if nobody wrote since (else `memory_version_conflict`). */
    put(key: string, value: MemoryValue, options?: { expectedVersion?: number | null }): Promise<{ version: number }>;
    /** Reads, changes and writes a key, again on a conflict (at most `attempts` times). */
    update<T extends MemoryValue = MemoryValue>(key: string, change: (current: T | undefined) => T, options?: { attempts?: number }): Promise<{ value: T; version: number }>;
    delete(key: string, options?: { expectedVersion?: number }): Promise<boolean>;
    list(prefix?: string, options?: { limit?: number; cursor?: string }): Promise<{ items: { key: string; version: number; updatedAt: string }[]; nextCursor: string | null }>;
  };
  /** Texts found again by meaning (and metadata), embedded by the platform. */
  vector: {
    upsert(items: { id: string; text: string; metadata?: MemoryMetadata }[]): Promise<void>;
    search(query: string, options?: { k?: number; filter?: MemoryMetadata; minScore?: number }): Promise<MemoryHit[]>;
    delete(id: string): Promise<boolean>;
  };
  /** What each run saw and did, for later runs to learn from. */
  episodes: {
    /** This run's episode (recording again replaces it). */
    record(episode: { saw: string; did: string; outcome: Episode['outcome']; metadata?: MemoryMetadata }): Promise<void>;
    search(options?: { query?: string; k?: number; since?: Date; minScore?: number }): Promise<Episode[]>;
  };
}

export class MemoryLevelError extends Error {
  readonly code = 'memory_level_not_declared';
  constructor(level: string) {
    super(`This agent's manifest does not declare ${level} memory (memory: [${level}] in agent.yaml).`);
    this.name = 'MemoryLevelError';
  }
}

/** Retries an optimistic update; `put` answers a conflict by throwing an error whose `code` says so. */
export async function updateTask<T extends MemoryValue>(
  memory: Pick<AgentMemory['task'], 'get' | 'put'>,
  key: string,
  change: (current: T | undefined) => T,
  attempts = 5,
): Promise<{ value: T; version: number }> {
  for (let i = 1; ; i++) {
    const current = await memory.get<T>(key);
    const value = change(current?.value);
    try {
      const { version } = await memory.put(key, value, { expectedVersion: current ? current.version : null });
      return { value, version };
    } catch (err) {
      if ((err as { code?: string }).code !== 'memory_version_conflict' || i >= attempts) throw err;
    }
  }
}

/** The levels not declared: every call fails by name. */
function refusing<T extends object>(level: string, shape: T): T {
  return Object.fromEntries(Object.keys(shape).map((k) => [k, async () => Promise.reject(new MemoryLevelError(level))])) as T;
}

export function remoteMemory(client: RunnerClient, levels: readonly string[]): AgentMemory {
  const task: AgentMemory['task'] = {
    async get(key) {
      const { item } = await client.call('runnerMemoryTaskGet', { key });
      return item ? { value: item.value as never, version: item.version } : null;
    },
    async put(key, value, options = {}) {
      const { version } = await client.call('runnerMemoryTaskPut', { key, value, ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}) });
      return { version };
    },
    update: (key, change, options = {}) => updateTask(task, key, change, options.attempts),
    async delete(key, options = {}) {
      return (await client.call('runnerMemoryTaskDelete', { key, ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}) })).deleted;
    },
    list: (prefix = '', options = {}) => client.call('runnerMemoryTaskList', { prefix, limit: options.limit ?? 50, ...(options.cursor ? { cursor: options.cursor } : {}) }),
  };
  const vector: AgentMemory['vector'] = {
    async upsert(items) {
      for (let i = 0; i < items.length; i += 20) await client.call('runnerMemoryVectorUpsert', { items: items.slice(i, i + 20).map((x) => ({ id: x.id, text: x.text, metadata: x.metadata ?? {} })) });
    },
    async search(query, options = {}) {
      return (await client.call('runnerMemoryVectorSearch', { query, k: options.k ?? 5, filter: options.filter ?? {}, minScore: options.minScore ?? 0 })).results as MemoryHit[];
    },
    async delete(id) {
      return (await client.call('runnerMemoryVectorDelete', { id })).deleted;
    },
  };
  const episodes: AgentMemory['episodes'] = {
    async record(e) {
      await client.call('runnerMemoryEpisodeRecord', { saw: e.saw, did: e.did, outcome: e.outcome, metadata: e.metadata ?? {} });
    },
    async search(options = {}) {
      const body = { k: options.k ?? 5, minScore: options.minScore ?? 0, ...(options.query ? { query: options.query } : {}), ...(options.since ? { since: options.since.toISOString() } : {}) };
      return (await client.call('runnerMemoryEpisodeSearch', body)).episodes as Episode[];
    },
  };
  return {
    task: levels.includes('task') ? task : refusing('task', task),
    vector: levels.includes('vector') ? vector : refusing('vector', vector),
    episodes: levels.includes('episode') ? episodes : refusing('episode', episodes),
  };
}

const words = (t: string) => new Map([...t.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]).reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map<string, number>()));
/** Cosine of word counts, as a 0..1 score like the platform's: a lexical stand-in for agent tests. */
function lexicalScore(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  let dotp = 0;
  for (const [w, n] of x) dotp += n * (y.get(w) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, n) => s + n * n, 0));
  const cos = norm(x) && norm(y) ? dotp / (norm(x) * norm(y)) : 0;
  return (1 + cos) / 2;
}

/**
 * Memory held in this process, for `runAgentForTest`: the same interface and version rules as
 * the platform's, with a lexical score (shared words) in place of the platform's embedder. Pass
 * the same instance to two test runs to see what one run leaves the next.
 */
export class InMemoryMemory implements AgentMemory {
  readonly tasks = new Map<string, { value: MemoryValue; version: number; updatedAt: string }>();
  readonly vectors = new Map<string, { id: string; text: string; metadata: MemoryMetadata; updatedAt: string }>();
  readonly recorded = new Map<string, Episode>();
  runId = 'test-run';
  private readonly levels: readonly string[];

  constructor(levels: readonly string[] = ['task', 'vector', 'episode']) {
    this.levels = levels;
    if (!levels.includes('task')) this.task = refusing('task', this.task);
    if (!levels.includes('vector')) this.vector = refusing('vector', this.vector);
    if (!levels.includes('episode')) this.episodes = refusing('episode', this.episodes);
  }

  task: AgentMemory['task'] = {
    get: async <T extends MemoryValue>(key: string) => {
      const t = this.tasks.get(key);
      return t ? { value: structuredClone(t.value) as T, version: t.version } : null;
    },
    put: async (key, value, options = {}) => {
      const current = this.tasks.get(key);
      const expected = options.expectedVersion;
      if (expected !== undefined && (expected === null ? current !== undefined : current?.version !== expected)) {
        throw Object.assign(new Error(`memory_version_conflict: ${key} is at version ${current?.version ?? 'none'}`), { code: 'memory_version_conflict' });
      }
      const version = (current?.version ?? 0) + 1;
      this.tasks.set(key, { value: structuredClone(value), version, updatedAt: new Date().toISOString() });
      return { version };
    },
    update: (key, change, options = {}) => updateTask(this.task, key, change, options.attempts),
    delete: async (key) => this.tasks.delete(key),
    list: async (prefix = '', options = {}) => {
      const keys = [...this.tasks.keys()].filter((k) => k.startsWith(prefix) && (!options.cursor || k > options.cursor)).sort();
      const page = keys.slice(0, options.limit ?? 50);
      return { items: page.map((key) => ({ key, version: this.tasks.get(key)!.version, updatedAt: this.tasks.get(key)!.updatedAt })), nextCursor: keys.length > page.length ? page.at(-1)! : null };
    },
  };

  vector: AgentMemory['vector'] = {
    upsert: async (items) => {
      for (const i of items) this.vectors.set(i.id, { id: i.id, text: i.text, metadata: { ...(i.metadata ?? {}) }, updatedAt: new Date().toISOString() });
    },
    search: async (query, options = {}) =>
      [...this.vectors.values()]
        .filter((v) => Object.entries(options.filter ?? {}).every(([k, x]) => v.metadata[k] === x))
        .map((v) => ({ ...v, score: lexicalScore(query, v.text) }))
        .filter((h) => h.score >= (options.minScore ?? 0))
        .sort((a, b) => b.score - a.score)
        .slice(0, options.k ?? 5),
    delete: async (id) => this.vectors.delete(id),
  };

  episodes: AgentMemory['episodes'] = {
    record: async (e) => {
      this.recorded.set(this.runId, { runId: this.runId, at: new Date().toISOString(), saw: e.saw, did: e.did, outcome: e.outcome, metadata: { ...(e.metadata ?? {}) }, score: null });
    },
    search: async (options = {}) => {
      const all = [...this.recorded.values()].filter((e) => !options.since || e.at >= options.since.toISOString());
      const scored = options.query ? all.map((e) => ({ ...e, score: lexicalScore(options.query!, `Saw: ${e.saw}\nDid: ${e.did}`) })).sort((a, b) => b.score! - a.score!) : all.sort((a, b) => (a.at < b.at ? 1 : -1));
      return scored.filter((e) => e.score === null || e.score >= (options.minScore ?? 0)).slice(0, options.k ?? 5);
    },
  };

  get declared(): readonly string[] {
    return this.levels;
  }
}
