import { MEMORY_EXPORT_PAGE, type EpisodeOutcome } from '../../domain/memory/limits.js';
import { notFound } from '../../domain/errors.js';
import { DEFAULT_RETENTION_DAYS, MEMORY_PLAN_LIMITS, retentionFor, type RetentionOverrides } from '../../domain/memory/retention.js';
import { STORED_MEMORY_LEVELS, type StoredMemoryLevel } from '../../domain/memory/limits.js';
import { deltaForRemoval, memoryStatsView, perRun } from '../../domain/memory/stats.js';
import { decodeTaskCursor, taskKeyRange, taskListPage } from '../../domain/memory/task.js';
import type { Install } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { forgetSome } from './forget.js';
import { memoryPolicyOf } from './policy.js';
import type { MemoryScope, StoredTask, StoredVector } from './ports.js';
import { nearestVectors, type VectorQuery } from './runMemory.js';

/**
 * A customer's view of an install's agent memory (docs/memory.md): browse, search, forget, export.
 * The counters stay the agent's own: what a person reads, searches or exports here is not counted
 * (it would blur the agent's hit rate and reads per run); what a person forgets is.
 */
export type InstallMemoryDeps = Pick<Deps, 'installs' | 'workspaces' | 'memory' | 'embedder' | 'clock'>;

/** Items one "forget everything" call deletes at most (one Firestore commit). */
export const FORGET_BATCH = 500;

/**
 * The install, in this workspace. An uninstalled install's memory stays reachable, to export or
 * erase it, until its purge (then, as for any other route, it is not found).
 */
async function installOf(deps: Pick<Deps, 'installs'>, wsId: string, installId: string): Promise<{ install: Install; scope: MemoryScope }> {
  const install = await deps.installs.get(wsId, installId);
  if (!install || (install.state === 'uninstalled' && !install.memoryPurgeAt)) throw notFound('Install', 'install_not_found');
  return { install, scope: { wsId, installId } };
}

const taskView = (t: StoredTask) => ({ key: t.key, value: t.value, version: t.version, updatedAt: t.updatedAt.toISOString() });
const vectorView = (v: Omit<StoredVector, 'embedding'>) => ({ id: v.id, text: v.text, metadata: v.metadata, updatedAt: v.updatedAt.toISOString() });
const episodeView = (v: Omit<StoredVector, 'embedding'>) => ({
  runId: v.episode?.runId ?? v.id,
  at: (v.episode?.at ?? v.updatedAt).toISOString(),
  saw: v.episode?.saw ?? '',
  did: v.episode?.did ?? '',
  outcome: (v.episode?.outcome ?? 'partial') as EpisodeOutcome,
  metadata: v.metadata,
  updatedAt: v.updatedAt.toISOString(),
});

export async function memorySummary(deps: InstallMemoryDeps, wsId: string, installId: string) {
  const { install, scope } = await installOf(deps, wsId, installId);
  return summaryOf(deps, install, scope);
}

async function summaryOf(deps: InstallMemoryDeps, install: Install, scope: MemoryScope) {
  const policy = await memoryPolicyOf(deps, scope, { readCounters: true });
  const { stats, space, runs } = policy.state;
  const view = memoryStatsView(stats);
  return {
    installId: scope.installId,
    levels: view.levels,
    total: view.total,
    embeddingSpace: space,
    retentionDays: policy.retention,
    defaultRetentionDays: DEFAULT_RETENTION_DAYS,
    // What the install set and its plan still allows (a downgrade caps it: retentionDays shows the cap).
    retentionOverrides: policy.state.retention,
    maxRetentionDays: MEMORY_PLAN_LIMITS[policy.plan].maxRetentionDays,
    quota: policy.quota,
    runs,
    perRun: { reads: perRun(view.total.reads, runs), writes: perRun(view.total.writes, runs) },
    purgeAt: install.state === 'uninstalled' && install.memoryPurgeAt ? install.memoryPurgeAt.toISOString() : null,
  };
}

/**
 * A customer sets how long the install's memories are kept, per level, within the plan's maxima
 * (400 `memory_retention_over_plan` beyond them); null puts a level back to its default. The
 * items already stored get their new expiry times from the sweep, a bounded batch per tick.
 */
export async function setMemoryRetention(deps: InstallMemoryDeps, wsId: string, installId: string, input: { retentionDays: Partial<Record<StoredMemoryLevel, number | null>> }) {
  const { install, scope } = await installOf(deps, wsId, installId);
  const policy = await memoryPolicyOf(deps, scope);
  const overrides: RetentionOverrides = { ...policy.state.retention };
  for (const level of STORED_MEMORY_LEVELS) {
    const days = input.retentionDays[level];
    if (days === null) delete overrides[level];
    else if (days !== undefined) overrides[level] = days;
  }
  const next = retentionFor(policy.plan, overrides);
  const changed = STORED_MEMORY_LEVELS.filter((level) => next[level] !== policy.retention[level]);
  await deps.memory.setRetention(scope, overrides, changed);
  return summaryOf(deps, install, scope);
}

export async function browseTasks(deps: InstallMemoryDeps, wsId: string, installId: string, input: { prefix: string; limit: number; cursor?: string | undefined }) {
  const { scope } = await installOf(deps, wsId, installId);
  const after = input.cursor ? decodeTaskCursor(input.cursor, input.prefix) : null;
  const page = taskListPage(await deps.memory.browseTasks(scope, taskKeyRange(input.prefix), after, input.limit + 1), input.limit);
  return { items: page.items.map(taskView), nextCursor: page.nextCursor };
}

export async function browseVectors(deps: InstallMemoryDeps, wsId: string, installId: string, input: { limit: number; cursor?: string | undefined }) {
  const { scope } = await installOf(deps, wsId, installId);
  const page = await deps.memory.browseVectors(scope, 'vector', input.cursor ?? null, input.limit);
  return { items: page.items.map(vectorView), nextCursor: page.next };
}

export async function browseEpisodes(deps: InstallMemoryDeps, wsId: string, installId: string, input: { limit: number; cursor?: string | undefined }) {
  const { scope } = await installOf(deps, wsId, installId);
  const page = await deps.memory.browseVectors(scope, 'episode', input.cursor ?? null, input.limit);
  return { items: page.items.map(episodeView), nextCursor: page.next };
}

/** Scored exactly as the agent's searches (runMemory.ts nearestVectors); an install without vectors has nothing to search. */
export async function searchMemory(deps: InstallMemoryDeps, wsId: string, installId: string, input: VectorQuery) {
  const { scope } = await installOf(deps, wsId, installId);
  // Without a space there are no vectors, and a search must not fix the space for the agent.
  if (!(await deps.memory.summary(scope, { readCounters: false })).space) return { results: [] };
  return { results: (await nearestVectors(deps, scope, input)).map(({ lastAccessAt: _, ...r }) => r) };
}

export async function forgetTask(deps: InstallMemoryDeps, wsId: string, installId: string, key: string) {
  const { scope } = await installOf(deps, wsId, installId);
  const bytes = await deps.memory.changeTask(scope, key, (current) => ({ next: null, result: current?.bytes ?? null }));
  if (bytes !== null) await deps.memory.count(scope, deltaForRemoval('task', [bytes], 'forget'));
  return { deleted: bytes !== null };
}

export async function forgetVector(deps: InstallMemoryDeps, wsId: string, installId: string, level: StoredVector['level'], id: string) {
  const { scope } = await installOf(deps, wsId, installId);
  const bytes = await deps.memory.deleteVector(scope, level, id);
  if (bytes !== null) await deps.memory.count(scope, deltaForRemoval(level, [bytes], 'forget'));
  return { deleted: bytes !== null };
}

/** One bounded batch of forgetting everything; the client calls again while `more`. */
export async function forgetAll(deps: InstallMemoryDeps, wsId: string, installId: string) {
  const { scope } = await installOf(deps, wsId, installId);
  return forgetSome(deps, scope, FORGET_BATCH);
}

/** A page of the export: at most MEMORY_EXPORT_PAGE items, never an embedding. */
export async function exportMemory(deps: InstallMemoryDeps, wsId: string, installId: string, cursor: string | undefined) {
  const { install, scope } = await installOf(deps, wsId, installId);
  const page = await deps.memory.dump(scope, cursor ?? null, MEMORY_EXPORT_PAGE);
  return {
    install: { id: install.id, wsId, agentId: install.agentId },
    exportedAt: deps.clock.now().toISOString(),
    task: page.task.map(taskView),
    vector: page.vector.map(vectorView),
    episodes: page.episode.map(episodeView),
    nextCursor: page.next,
  };
}
