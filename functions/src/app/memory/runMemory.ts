import { AppError } from '../../domain/errors.js';
import { applyTaskDelete, applyTaskWrite, decodeTaskCursor, parseTaskPrefix, taskKeyRange, taskListPage, type TaskWrite } from '../../domain/memory/task.js';
import { episodeText, jsonBytes, utf8Bytes, type EpisodeOutcome, type JsonValue, type MemoryMetadata, type StoredMemoryLevel, type VectorItemInput } from '../../domain/memory/limits.js';
import { itemBytes } from '../../domain/memory/retention.js';
import { checkFits, enforceQuota, memoryPolicyOf, touchRead, writeStamps, type MemoryPolicy } from './policy.js';
import { deltaForRead, deltaForRemoval, deltaForSearch, deltaForWrite, mergeDeltas } from '../../domain/memory/stats.js';
import { checkDimensions, dimensionMismatch, distanceThresholdFor, meetsMinScore, scoreFromDistance } from '../../domain/memory/vectors.js';
import type { Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { liveRunAndManifest } from '../runs/liveRun.js';
import type { MemoryScope, StoredTask, StoredVector } from './ports.js';

/**
 * The runner API's memory calls (docs/memory.md): an install's own memory, at the levels its
 * manifest declares. The runner is untrusted: the run must be live, the level declared, and the
 * memory is always the run's own install's (the scope comes from the run, never from the caller).
 */
type Runner = { wsId: string; runId: string; run?: Run };
export type MemoryDeps = Pick<Deps, 'runs' | 'catalog' | 'workspaces' | 'memory' | 'embedder' | 'clock'>;

async function scopeOf(deps: Pick<Deps, 'runs' | 'catalog'>, runner: Runner, level: StoredMemoryLevel): Promise<{ run: Run; scope: MemoryScope }> {
  const { run, manifest } = await liveRunAndManifest(deps, runner);
  if (!manifest.memory.includes(level)) {
    throw new AppError('forbidden', 'memory_level_not_declared', `The manifest of ${manifest.id} does not declare ${level} memory (it declares: ${manifest.memory.join(', ') || 'none'}).`);
  }
  return { run, scope: { wsId: run.wsId, installId: run.installId } };
}

// ---- task ------------------------------------------------------------------------------------

export async function getTask(deps: MemoryDeps, runner: Runner, key: string) {
  const { scope } = await scopeOf(deps, runner, 'task');
  // The read is counted whatever it finds: the count need not wait for it.
  const [item] = await Promise.all([deps.memory.getTask(scope, key), deps.memory.count(scope, deltaForRead('task'))]);
  if (item) await touchRead(deps, scope, [{ level: 'task', id: key, lastAccessAt: item.lastAccessAt }], deps.clock.now());
  return item && { key: item.key, value: item.value, version: item.version, updatedAt: item.updatedAt.toISOString() };
}

/**
 * A task write, as an agent's put makes it and as the platform makes its own (decisionMemory.ts):
 * the value checked, the version moved on, stamped with the install's retention, counted, and the
 * install kept within its quota. `writeOf` answers the write for the record read, or null to
 * leave the key as it is (then nothing is written or counted, and the answer is null).
 */
export async function storeTask(
  deps: Pick<MemoryDeps, 'memory' | 'clock'>,
  scope: MemoryScope,
  policy: MemoryPolicy,
  key: string,
  writeOf: (current: StoredTask | null) => TaskWrite | null,
): Promise<{ version: number } | null> {
  const now = deps.clock.now();
  const written = await deps.memory.changeTask(scope, key, (current) => {
    const write = writeOf(current);
    if (!write) return { next: current, result: null };
    const next = applyTaskWrite(current, write, key);
    checkFits(policy.quota, 1, next.bytes);
    return { next: { key, ...next, updatedAt: now, ...writeStamps(policy, 'task', now) }, result: { version: next.version, before: current?.bytes ?? null, after: next.bytes } };
  });
  if (!written) return null;
  const { version, before, after } = written;
  await deps.memory.count(scope, deltaForWrite('task', before, after));
  await enforceQuota(deps, scope, policy, [{ level: 'task', id: key, bytes: after }], { items: before === null ? 1 : 0, bytes: after - (before ?? 0) });
  return { version };
}

export async function putTask(deps: MemoryDeps, runner: Runner, input: { key: string; value: unknown; expectedVersion?: number | null | undefined }) {
  const { scope } = await scopeOf(deps, runner, 'task');
  const policy = await memoryPolicyOf(deps, scope);
  const write: TaskWrite = { value: input.value, ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}) };
  const { version } = (await storeTask(deps, scope, policy, input.key, () => write))!;
  return { key: input.key, version };
}

export async function deleteTask(deps: MemoryDeps, runner: Runner, input: { key: string; expectedVersion?: number | undefined }) {
  const { scope } = await scopeOf(deps, runner, 'task');
  const { deleted, bytes } = await deps.memory.changeTask(scope, input.key, (current) => ({
    next: null,
    result: { ...applyTaskDelete(current, input.expectedVersion, input.key), bytes: current?.bytes ?? 0 },
  }));
  if (deleted) await deps.memory.count(scope, deltaForRemoval('task', [bytes], 'forget'));
  return { deleted };
}

export async function listTasks(deps: MemoryDeps, runner: Runner, input: { prefix: string; limit: number; cursor?: string | undefined }) {
  const { scope } = await scopeOf(deps, runner, 'task');
  const prefix = parseTaskPrefix(input.prefix);
  const after = input.cursor ? decodeTaskCursor(input.cursor, prefix) : null;
  const read = await deps.memory.listTasks(scope, taskKeyRange(prefix), after, input.limit + 1);
  const page = taskListPage(read, input.limit);
  await deps.memory.count(scope, deltaForRead('task', page.items.length));
  return { items: page.items.map((i) => ({ key: i.key, version: i.version, updatedAt: i.updatedAt.toISOString() })), nextCursor: page.nextCursor };
}

// ---- vectors and episodes ----------------------------------------------------------------------

/**
 * The install's vectors were made in one embedding space; a platform embedder with another
 * model or dimension would make every search silently empty (Firestore compares only vectors
 * of the query's dimension), so it is refused instead.
 */
async function embed(deps: Pick<MemoryDeps, 'memory' | 'embedder'>, scope: MemoryScope, texts: string[], known?: MemoryPolicy): Promise<number[][]> {
  const space = known?.state.space ?? (await deps.memory.embeddingSpace(scope, { model: deps.embedder.model, dimensions: deps.embedder.dimensions }));
  if (space.dimensions !== deps.embedder.dimensions) throw dimensionMismatch(space.dimensions, deps.embedder.dimensions, `the install's memories (${space.model})`);
  if (space.model !== deps.embedder.model) {
    throw new AppError('precondition', 'memory_embedding_model_changed', `The install's memories were embedded with ${space.model}; the platform now embeds with ${deps.embedder.model}. Re-embed or forget them first.`);
  }
  const vectors = await deps.embedder.embed(texts);
  for (const v of vectors) checkDimensions(space.dimensions, v, 'an embedding');
  return vectors;
}

const bytesOf = (text: string, metadata: MemoryMetadata, dimensions: number) => itemBytes({ contentBytes: utf8Bytes(text), metadataBytes: jsonBytes(metadata), dimensions });

export async function upsertVectors(deps: MemoryDeps, runner: Runner, items: VectorItemInput[]) {
  const { scope } = await scopeOf(deps, runner, 'vector');
  const policy = await memoryPolicyOf(deps, scope);
  const vectors = await embed(deps, scope, items.map((i) => i.text), policy);
  const now = deps.clock.now();
  const stored: StoredVector[] = items.map((i, n) => ({
    level: 'vector',
    id: i.id,
    text: i.text,
    metadata: i.metadata,
    embedding: vectors[n]!,
    bytes: bytesOf(i.text, i.metadata, vectors[n]!.length),
    updatedAt: now,
    ...writeStamps(policy, 'vector', now),
  }));
  await storeVectors(deps, scope, policy, 'vector', stored);
  return { ids: stored.map((i) => i.id) };
}

/** Vector memories or an episode written (by id: new or replaced), counted, and the install kept within its quota. */
async function storeVectors(deps: Pick<MemoryDeps, 'memory'>, scope: MemoryScope, policy: MemoryPolicy, level: StoredVector['level'], items: StoredVector[]): Promise<void> {
  const total = items.reduce((s, i) => s + i.bytes, 0);
  checkFits(policy.quota, items.length, total);
  const { replacedBytes, added } = await deps.memory.putVectors(scope, items);
  await deps.memory.count(scope, { [level]: { writes: items.length, items: added, bytes: total - replacedBytes } });
  await enforceQuota(deps, scope, policy, items, { items: added, bytes: total - replacedBytes });
}

export type VectorQuery = { query: string; k: number; filter: Record<string, string | number | boolean>; minScore: number };

/** An install's vector memories nearest a text, scored (vectors.ts), not counted: the agent's searches and a customer's share it. */
export async function nearestVectors(deps: Pick<MemoryDeps, 'memory' | 'embedder'>, scope: MemoryScope, input: VectorQuery) {
  const [query] = await embed(deps, scope, [input.query]);
  const found = await deps.memory.nearest(scope, 'vector', query!, { k: input.k, filter: input.filter, maxDistance: distanceThresholdFor(input.minScore) });
  return found
    .map(({ item, distance }) => ({ id: item.id, text: item.text, metadata: item.metadata, score: scoreFromDistance(distance), updatedAt: item.updatedAt.toISOString(), lastAccessAt: item.lastAccessAt }))
    .filter((r) => meetsMinScore(r.score, input.minScore));
}

export async function searchVectors(deps: MemoryDeps, runner: Runner, input: VectorQuery) {
  const { scope } = await scopeOf(deps, runner, 'vector');
  const found = await nearestVectors(deps, scope, input);
  await Promise.all([
    deps.memory.count(scope, mergeDeltas(deltaForSearch('vector', found.map((r) => r.score), input.minScore), deltaForRead('vector', found.length))),
    touchRead(deps, scope, found.map((r) => ({ level: 'vector' as const, id: r.id, lastAccessAt: r.lastAccessAt })), deps.clock.now()),
  ]);
  return { results: found.map(({ lastAccessAt: _, ...r }) => r) };
}

export async function deleteVector(deps: MemoryDeps, runner: Runner, id: string) {
  const { scope } = await scopeOf(deps, runner, 'vector');
  const bytes = await deps.memory.deleteVector(scope, 'vector', id);
  if (bytes !== null) await deps.memory.count(scope, deltaForRemoval('vector', [bytes], 'forget'));
  return { deleted: bytes !== null };
}

export async function recordEpisode(deps: MemoryDeps, runner: Runner, input: { saw: string; did: string; outcome: EpisodeOutcome; metadata: MemoryMetadata }) {
  const { run, scope } = await scopeOf(deps, runner, 'episode');
  const policy = await memoryPolicyOf(deps, scope);
  const text = episodeText(input);
  const [vector] = await embed(deps, scope, [text], policy);
  const now = deps.clock.now();
  const item: StoredVector = {
    level: 'episode',
    id: run.id,
    text,
    metadata: input.metadata,
    embedding: vector!,
    bytes: bytesOf(text, input.metadata, vector!.length),
    updatedAt: now,
    ...writeStamps(policy, 'episode', now),
    episode: { saw: input.saw, did: input.did, outcome: input.outcome, runId: run.id, at: now },
  };
  await storeVectors(deps, scope, policy, 'episode', [item]);
  return { runId: run.id };
}

export async function searchEpisodes(deps: MemoryDeps, runner: Runner, input: { query?: string | undefined; k: number; since?: string | undefined; minScore: number }) {
  const { scope } = await scopeOf(deps, runner, 'episode');
  const since = input.since ? new Date(input.since) : undefined;
  let found: { item: StoredVector; score: number | null }[];
  if (input.query) {
    const [query] = await embed(deps, scope, [input.query]);
    // The time bound is applied after the vector search (a range filter beside findNearest needs its own index): ask for more.
    const near = await deps.memory.nearest(scope, 'episode', query!, { k: since ? Math.min(input.k * 4, 200) : input.k, filter: {}, maxDistance: distanceThresholdFor(input.minScore) });
    found = near
      .map(({ item, distance }) => ({ item, score: scoreFromDistance(distance) }))
      .filter((f) => meetsMinScore(f.score, input.minScore) && (!since || f.item.updatedAt >= since))
      .slice(0, input.k);
  } else {
    found = (await deps.memory.newest(scope, 'episode', { k: input.k, since })).map((item) => ({ item, score: null }));
  }
  const searched = input.query ? deltaForSearch('episode', found.map((f) => f.score!), input.minScore) : {};
  await Promise.all([
    deps.memory.count(scope, mergeDeltas(searched, deltaForRead('episode', found.length))),
    touchRead(deps, scope, found.map(({ item }) => ({ level: 'episode' as const, id: item.id, lastAccessAt: item.lastAccessAt })), deps.clock.now()),
  ]);
  return {
    episodes: found.map(({ item, score }) => ({
      runId: item.episode!.runId,
      at: item.episode!.at.toISOString(),
      saw: item.episode!.saw,
      did: item.episode!.did,
      outcome: item.episode!.outcome as EpisodeOutcome,
      metadata: item.metadata,
      score,
    })),
  };
}

export type { JsonValue };
