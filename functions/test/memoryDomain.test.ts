import { describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.ts';
import {
  episodeIssues,
  episodeText,
  issuesOf,
  jsonBytes,
  MEMORY_LIMITS,
  metadataIssues,
  parseEpisode,
  parseSearchOptions,
  parseTaskKey,
  parseTaskListOptions,
  parseTaskValue,
  parseVectorItem,
  searchOptionsIssues,
  taskKeyIssues,
  TaskValue,
  taskValueIssues,
  utf8Bytes,
  vectorItemIssues,
} from '../src/domain/memory/limits.ts';
import {
  DEFAULT_RETENTION_DAYS,
  expiresAt,
  gcCutoffs,
  itemBytes,
  MAX_GC_BATCH,
  MEMORY_PLAN_LIMITS,
  memoryPurgeAt,
  memoryQuotaExceeded,
  planEviction,
  planGcBatch,
  quotaFor,
  retentionAfterPlanChange,
  retentionFor,
  retentionOverrideIssues,
  shouldTouch,
  type EvictionCandidate,
  type GcCandidate,
} from '../src/domain/memory/retention.ts';
import {
  applyDelta,
  deltaForRead,
  deltaForRemoval,
  deltaForSearch,
  deltaForWrite,
  emptyMemoryStats,
  hitRate,
  incrementsOf,
  isSearchHit,
  memoryStatsView,
  mergeDeltas,
} from '../src/domain/memory/stats.ts';
import {
  applyTaskDelete,
  applyTaskWrite,
  decodeTaskCursor,
  encodeTaskCursor,
  MemoryVersionConflict,
  parseTaskPrefix,
  taskKeyRange,
  taskListPage,
} from '../src/domain/memory/task.ts';
import {
  checkDimensions,
  cosineDistance,
  cosineSimilarity,
  distanceFromScore,
  distanceThresholdFor,
  l2Normalize,
  matchesFilter,
  meetsMinScore,
  nearest,
  norm,
  scoreFromDistance,
  scoreFromSimilarity,
  vectorProblem,
} from '../src/domain/memory/vectors.ts';

const caught = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
};

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);

describe('memory limits: task keys', () => {
  it('takes keys of letters, digits and . _ : / - up to 200 characters', () => {
    for (const k of ['a', 'baselines/gcp/europe-west1', 'rejected:vm-123', 'v1.2_x', 'x'.repeat(200), 'dir/']) expect(taskKeyIssues(k)).toEqual([]);
  });

  it('refuses .., a leading /, other characters, empty and too long keys, each with a path and a message', () => {
    const cases: [unknown, RegExp][] = [
      ['a/../b', /\.\./],
      ['..', /\.\./],
      ['/abs', /start with \//],
      ['spaces here', /letters, digits/],
      ['é', /letters, digits/],
      ['', /empty/],
      ['x'.repeat(201), /at most 200/],
      [42, /string/],
    ];
    for (const [key, message] of cases) {
      const issues = taskKeyIssues(key);
      expect(issues.length, String(key)).toBeGreaterThan(0);
      expect(issues[0]!.path).toBe('key');
      expect(issues.map((i) => i.message).join('; ')).toMatch(message);
    }
    const err = caught(() => parseTaskKey('/x'));
    expect(err.kind).toBe('invalid');
    expect(err.code).toBe('memory_invalid');
    expect(err.issues?.[0]?.path).toBe('key');
    expect(err.message).toMatch(/key must not start with \//);
  });
});

describe('memory limits: JSON values', () => {
  it('measures UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('€')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
    expect(utf8Bytes('\ud800')).toBe(3);
    expect(utf8Bytes('😀é€a')).toBe(new TextEncoder().encode('😀é€a').length);
    expect(jsonBytes({ a: 'é' })).toBe(new TextEncoder().encode('{"a":"é"}').length);
  });

  it('takes plain JSON up to 64 KiB serialised, and refuses one byte more as too_large', () => {
    const overhead = jsonBytes('');
    const fits = 'x'.repeat(MEMORY_LIMITS.taskValueMaxBytes - overhead);
    expect(jsonBytes(fits)).toBe(64 * 1024);
    expect(taskValueIssues(fits)).toEqual([]);
    // A two-byte character tips it over, though the character count is the same.
    const over = `é${'x'.repeat(MEMORY_LIMITS.taskValueMaxBytes - overhead - 1)}`;
    expect(over.length).toBe(fits.length);
    const issues = taskValueIssues(over);
    expect(issues).toEqual([{ path: 'value', code: 'too_large', message: expect.stringMatching(/65537 bytes.*64 KiB/) }]);
    const err = caught(() => parseTaskValue(over));
    expect([err.kind, err.code]).toEqual(['too_large', 'memory_too_large']);
  });

  it('refuses what is not JSON, at its path', () => {
    expect(taskValueIssues(undefined)[0]).toMatchObject({ path: 'value', code: 'required' });
    expect(taskValueIssues({ a: [1, Number.NaN] })[0]).toMatchObject({ path: 'value.a.1', message: 'must be a finite number' });
    expect(taskValueIssues({ d: new Date() })[0]).toMatchObject({ path: 'value.d', code: 'not_json' });
    expect(taskValueIssues({ f: () => 1 })[0]).toMatchObject({ path: 'value.f', code: 'not_json' });
    expect(taskValueIssues({ s: 'a\ud800' })[0]).toMatchObject({ path: 'value.s', code: 'invalid_text' });
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = [deep];
    expect(taskValueIssues(deep)[0]).toMatchObject({ code: 'too_deep' });
    expect(taskValueIssues({ ok: [null, true, 1.5, 'x', { nested: {} }] })).toEqual([]);
    expect(caught(() => parseTaskValue({ n: Infinity })).code).toBe('memory_invalid');
    // The zod shape (for the contract) reports the same issues at the same paths.
    expect(issuesOf(TaskValue, { a: [1, Number.NaN] }, 'body.value')).toEqual([{ path: 'body.value.a.1', message: 'must be a finite number', code: 'custom' }]);
    expect(TaskValue.safeParse({ ok: [1] }).success).toBe(true);
  });
});

describe('memory limits: vector items, metadata, episodes, search options', () => {
  it('takes a vector item and defaults its metadata', () => {
    expect(parseVectorItem({ id: 'vm-123.rejected', text: 'A human kept vm-123 running.' })).toEqual({ id: 'vm-123.rejected', text: 'A human kept vm-123 running.', metadata: {} });
    expect(vectorItemIssues({ id: 'x', text: 'y', metadata: { region: 'eu', cost: 3.5, kept: true } })).toEqual([]);
  });

  it('refuses bad ids, blank or oversized texts and unknown fields, with paths', () => {
    const paths = (v: unknown) => vectorItemIssues(v).map((i) => i.path);
    expect(paths({ id: 'a/b', text: 't' })).toEqual(['item.id']);
    expect(paths({ id: '..', text: 't' })).toEqual(['item.id']);
    expect(paths({ id: '__x__', text: 't' })).toEqual(['item.id']);
    expect(paths({ id: 'a', text: '   ' })).toEqual(['item.text']);
    expect(paths({ id: 'a', text: 't', extra: 1 })).toEqual(['item']);
    const big = 'é'.repeat(MEMORY_LIMITS.textMaxBytes / 2 + 1);
    const issues = vectorItemIssues({ id: 'a', text: big });
    expect(issues).toEqual([{ path: 'item.text', code: 'too_large', message: expect.stringMatching(/8 KiB/) }]);
    expect(caught(() => parseVectorItem({ id: 'a', text: big })).kind).toBe('too_large');
    expect(vectorItemIssues({ id: 'a', text: 'é'.repeat(MEMORY_LIMITS.textMaxBytes / 2) })).toEqual([]);
  });

  it('keeps metadata flat, keyed by plain names, at most 20 keys', () => {
    expect(metadataIssues({ nested: { a: 1 } })[0]).toMatchObject({ path: 'metadata.nested', message: expect.stringMatching(/flat/) });
    expect(metadataIssues({ list: [1] })[0]!.path).toBe('metadata.list');
    expect(metadataIssues({ 'a.b': 1 }).length).toBeGreaterThan(0);
    expect(metadataIssues({ '1a': 1 }).length).toBeGreaterThan(0);
    expect(metadataIssues({ __name__: 'x' }).length).toBeGreaterThan(0);
    expect(metadataIssues({ n: Number.POSITIVE_INFINITY }).length).toBeGreaterThan(0);
    expect(metadataIssues({ s: 'x'.repeat(257) })[0]!.message).toMatch(/256/);
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    expect(metadataIssues(twenty)).toEqual([]);
    expect(metadataIssues({ ...twenty, k20: 1 })[0]!.message).toMatch(/at most 20 keys/);
  });

  it('takes an episode: saw, did, outcome, run and time', () => {
    const episode = { saw: '3 idle VMs in europe-west1', did: 'proposed stopping 2; a human rejected vm-7', outcome: 'partial', runId: 'r123', at: '2026-01-05T10:00:00Z' };
    expect(parseEpisode(episode)).toEqual({ ...episode, metadata: {} });
    expect(episodeText(episode)).toBe('Saw: 3 idle VMs in europe-west1\nDid: proposed stopping 2; a human rejected vm-7');
    const paths = (v: unknown) => episodeIssues(v).map((i) => i.path).sort();
    expect(paths({ ...episode, outcome: 'done' })).toEqual(['episode.outcome']);
    expect(paths({ ...episode, runId: 'r/1' })).toEqual(['episode.runId']);
    expect(paths({ ...episode, at: 'yesterday' })).toEqual(['episode.at']);
    expect(paths({ saw: 'x', outcome: 'failed', runId: 'r1', at: '2026-01-05T10:00:00Z' })).toEqual(['episode.did']);
  });

  it('search options: k 1..50 (5 by default), equality filters on metadata keys, minScore 0..1', () => {
    expect(parseSearchOptions(undefined)).toEqual({ k: 5, filter: {}, minScore: 0 });
    expect(parseSearchOptions({ k: 50, filter: { region: 'eu', kept: true }, minScore: 1 })).toEqual({ k: 50, filter: { region: 'eu', kept: true }, minScore: 1 });
    const paths = (v: unknown) => searchOptionsIssues(v).map((i) => i.path);
    expect(paths({ k: 0 })).toEqual(['options.k']);
    expect(paths({ k: 51 })).toEqual(['options.k']);
    expect(paths({ k: 2.5 })).toEqual(['options.k']);
    expect(paths({ minScore: 1.01 })).toEqual(['options.minScore']);
    expect(paths({ minScore: -0.1 })).toEqual(['options.minScore']);
    expect(paths({ filter: { region: { $ne: 'eu' } } })).toEqual(['options.filter.region']);
    expect(paths({ filter: { a: 1, b: 2, c: 3, d: 4, e: 5 } })).toEqual(['options.filter']);
    expect(paths({ topK: 3 })).toEqual(['options']);
    expect(caught(() => parseSearchOptions({ k: 0 })).message).toMatch(/options\.k must be at least 1/);
  });
});

describe('task memory: optimistic updates', () => {
  it('creates at version 1 and counts every write', () => {
    const first = applyTaskWrite(null, { value: { n: 1 } });
    expect(first).toEqual({ value: { n: 1 }, version: 1, bytes: jsonBytes({ n: 1 }) });
    const second = applyTaskWrite(first, { value: { n: 2 }, expectedVersion: 1 });
    expect(second.version).toBe(2);
    expect(applyTaskWrite(second, { value: 'last write wins' }).version).toBe(3);
  });

  it('two runs that read version 1: the second write conflicts and names the current version', () => {
    const read = applyTaskWrite(null, { value: [] });
    const a = applyTaskWrite(read, { value: ['vm-1'], expectedVersion: read.version });
    const err = caught(() => applyTaskWrite(a, { value: ['vm-2'], expectedVersion: read.version }, 'rejected'));
    expect(err).toBeInstanceOf(MemoryVersionConflict);
    expect([err.kind, err.code]).toEqual(['conflict', 'memory_version_conflict']);
    expect((err as MemoryVersionConflict).currentVersion).toBe(2);
    expect(err.message).toBe('Task memory key "rejected" is at version 2; the write expected version 1. Read it again and retry.');
    // Retried on what is there now, nothing is lost.
    expect(applyTaskWrite(a, { value: ['vm-1', 'vm-2'], expectedVersion: 2 })).toMatchObject({ value: ['vm-1', 'vm-2'], version: 3 });
  });

  it('create-only (expectedVersion null) conflicts when the key exists; a version on an absent key conflicts too', () => {
    const existing = applyTaskWrite(null, { value: 1 });
    const e1 = caught(() => applyTaskWrite(existing, { value: 2, expectedVersion: null }));
    expect(e1.code).toBe('memory_version_conflict');
    expect(e1.message).toMatch(/is at version 1; the write expected it not to exist/);
    const e2 = caught(() => applyTaskWrite(null, { value: 2, expectedVersion: 3 }));
    expect((e2 as MemoryVersionConflict).currentVersion).toBeNull();
    expect(e2.message).toMatch(/does not exist; the write expected version 3/);
    expect(applyTaskWrite(null, { value: 2, expectedVersion: null }).version).toBe(1);
  });

  it('refuses a bad expected version or value before looking at versions', () => {
    expect(caught(() => applyTaskWrite(null, { value: 1, expectedVersion: 0 })).code).toBe('memory_invalid');
    expect(caught(() => applyTaskWrite(null, { value: 1, expectedVersion: 1.5 })).code).toBe('memory_invalid');
    expect(caught(() => applyTaskWrite({ value: 1, version: 9 }, { value: undefined, expectedVersion: 1 })).code).toBe('memory_invalid');
  });

  it('deletes: idempotent without a version, checked with one', () => {
    expect(applyTaskDelete(null)).toEqual({ deleted: false });
    expect(applyTaskDelete({ version: 4 })).toEqual({ deleted: true });
    expect(applyTaskDelete({ version: 4 }, 4)).toEqual({ deleted: true });
    expect((caught(() => applyTaskDelete({ version: 5 }, 4)) as MemoryVersionConflict).currentVersion).toBe(5);
    expect(caught(() => applyTaskDelete(null, 4)).code).toBe('memory_version_conflict');
  });
});

describe('task memory: listing by prefix', () => {
  it('the key range holds exactly the keys with the prefix', () => {
    const keys = ['a', 'a/', 'a/b', 'a/z', 'a/zzz', 'a0', 'a:x', 'b', 'a.', '_', 'a/b/c'];
    const { start, end } = taskKeyRange('a/');
    expect(keys.filter((k) => k >= start && k < end).sort()).toEqual(keys.filter((k) => k.startsWith('a/')).sort());
    const all = taskKeyRange('');
    expect(keys.every((k) => k >= all.start && k < all.end)).toBe(true);
  });

  it('pages with a cursor that round-trips, and refuses foreign or forged cursors', () => {
    const read = ['b/1', 'b/2', 'b/3'].map((key) => ({ key }));
    const page = taskListPage(read, 2);
    expect(page.items.map((i) => i.key)).toEqual(['b/1', 'b/2']);
    expect(page.nextCursor).not.toBeNull();
    expect(decodeTaskCursor(page.nextCursor!, 'b/')).toBe('b/2');
    expect(taskListPage(read, 3).nextCursor).toBeNull();
    expect(decodeTaskCursor(encodeTaskCursor('a-b_c:d.e/f'), '')).toBe('a-b_c:d.e/f');
    const foreign = caught(() => decodeTaskCursor(page.nextCursor!, 'c/'));
    expect([foreign.code, foreign.issues?.[0]?.path]).toEqual(['memory_invalid_cursor', 'cursor']);
    expect(foreign.message).toMatch(/another prefix/);
    for (const forged of ['', 'tk1.', 'tk1.!!', 'xx.YQ', `tk1.${btoa('a b')}`, `tk1.${btoa('/etc')}`.replace(/=+$/, '')]) {
      expect(caught(() => decodeTaskCursor(forged, '')).code, forged).toBe('memory_invalid_cursor');
    }
  });

  it('validates prefixes and list options', () => {
    expect(parseTaskPrefix(undefined)).toBe('');
    expect(parseTaskPrefix('baselines/')).toBe('baselines/');
    expect(caught(() => parseTaskPrefix('../x')).code).toBe('memory_invalid');
    expect(caught(() => parseTaskPrefix('/x')).issues?.[0]?.path).toBe('prefix');
    expect(parseTaskListOptions({})).toEqual({ prefix: '', limit: 50 });
    expect(caught(() => parseTaskListOptions({ limit: 101 })).issues?.[0]?.path).toBe('options.limit');
  });
});

describe('retention', () => {
  it('defaults: task 90, vector 180, episode 365 days', () => {
    expect(DEFAULT_RETENTION_DAYS).toEqual({ task: 90, vector: 180, episode: 365 });
    expect(retentionFor('free')).toEqual(DEFAULT_RETENTION_DAYS);
  });

  it('overrides within the plan are taken; beyond it refused with the plan maximum named', () => {
    expect(retentionFor('free', { task: 7 })).toEqual({ task: 7, vector: 180, episode: 365 });
    expect(retentionFor('team', { vector: 730 })).toMatchObject({ vector: 730 });
    const err = caught(() => retentionFor('free', { vector: 181 }));
    expect([err.kind, err.code]).toEqual(['invalid', 'memory_retention_over_plan']);
    expect(err.issues).toEqual([{ path: 'retentionDays.vector', message: 'must be at most 180 days on the free plan', code: 'memory_retention_over_plan' }]);
    expect(caught(() => retentionFor('team', { episode: 731 })).code).toBe('memory_retention_over_plan');
    expect(retentionFor('enterprise', { episode: 1825 }).episode).toBe(1825);
    for (const plan of ['free', 'team', 'enterprise'] as const) {
      for (const level of ['task', 'vector', 'episode'] as const) expect(MEMORY_PLAN_LIMITS[plan].maxRetentionDays[level]).toBeGreaterThanOrEqual(DEFAULT_RETENTION_DAYS[level]);
    }
  });

  it('refuses unknown levels and days that are not whole and positive', () => {
    expect(retentionOverrideIssues('team', { session: 3 })[0]).toMatchObject({ path: 'retentionDays.session', code: 'unknown_level' });
    expect(retentionOverrideIssues('team', { task: 0 })[0]!.code).toBe('invalid_days');
    expect(retentionOverrideIssues('team', { task: 1.5 })[0]!.code).toBe('invalid_days');
    expect(retentionOverrideIssues('team', [])[0]!.code).toBe('invalid_type');
    expect(caught(() => retentionFor('team', { task: 0 } as never)).code).toBe('memory_invalid');
  });

  it('a downgrade caps the overrides at the new plan', () => {
    expect(retentionAfterPlanChange('free', { task: 365, vector: 30 })).toEqual({ task: 90, vector: 30, episode: 365 });
  });

  it('expiry counts from the last write; purge after the uninstall grace', () => {
    const written = at('2026-01-01T00:00:00Z');
    expect(expiresAt('task', written, DEFAULT_RETENTION_DAYS).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(expiresAt('episode', written, retentionFor('free', { episode: 1 })).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    const cut = gcCutoffs(at('2026-07-01T00:00:00Z'), DEFAULT_RETENTION_DAYS);
    expect(cut.task.toISOString()).toBe('2026-04-02T00:00:00.000Z');
    expect(cut.vector.getTime()).toBe(at('2026-07-01T00:00:00Z').getTime() - 180 * DAY);
    expect(memoryPurgeAt(written).toISOString()).toBe('2026-01-31T00:00:00.000Z');
  });

  it('a read rewrites the access time at most once a day', () => {
    const now = at('2026-01-02T00:00:00Z');
    expect(shouldTouch(null, now)).toBe(true);
    expect(shouldTouch(new Date(now.getTime() - DAY + 1), now)).toBe(false);
    expect(shouldTouch(new Date(now.getTime() - DAY), now)).toBe(true);
  });
});

describe('garbage collection batches', () => {
  const now = at('2027-01-01T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);
  const candidates: GcCandidate[] = [
    { id: 't-fresh', level: 'task', lastWriteAt: daysAgo(89) },
    { id: 't-exact', level: 'task', lastWriteAt: daysAgo(90) },
    { id: 't-old', level: 'task', lastWriteAt: daysAgo(200) },
    { id: 'v-old', level: 'vector', lastWriteAt: daysAgo(290) }, // 110 days past
    { id: 'v-fresh', level: 'vector', lastWriteAt: daysAgo(179) },
    { id: 'e-b', level: 'episode', lastWriteAt: daysAgo(400) }, // 35 days past
    { id: 'e-a', level: 'episode', lastWriteAt: daysAgo(400) },
    { id: 't-35', level: 'task', lastWriteAt: daysAgo(125) }, // 35 days past, as the episodes
  ];

  it('deletes only expired items, the longest expired first, ties by level then id', () => {
    const plan = planGcBatch({ now, retention: DEFAULT_RETENTION_DAYS, batchSize: 100, candidates });
    expect(plan.delete.map((c) => c.id)).toEqual(['t-old', 'v-old', 't-35', 'e-a', 'e-b', 't-exact']);
    expect(plan.more).toBe(false);
  });

  it('holds at most the batch size and says when more remain', () => {
    const first = planGcBatch({ now, retention: DEFAULT_RETENTION_DAYS, batchSize: 2, candidates });
    expect(first.delete.map((c) => c.id)).toEqual(['t-old', 'v-old']);
    expect(first.more).toBe(true);
    const rest = candidates.filter((c) => !first.delete.includes(c));
    const second = planGcBatch({ now, retention: DEFAULT_RETENTION_DAYS, batchSize: 4, candidates: rest });
    expect(second.delete.map((c) => c.id)).toEqual(['t-35', 'e-a', 'e-b', 't-exact']);
    expect(second.more).toBe(false);
  });

  it('refuses batch sizes outside 1..500', () => {
    for (const batchSize of [0, MAX_GC_BATCH + 1, Number.NaN]) {
      expect(caught(() => planGcBatch({ now, retention: DEFAULT_RETENTION_DAYS, batchSize, candidates })).code).toBe('memory_gc_batch_size');
    }
    const many = Array.from({ length: 600 }, (_, i) => ({ id: `x${String(i).padStart(3, '0')}`, level: 'task' as const, lastWriteAt: daysAgo(100) }));
    const plan = planGcBatch({ now, retention: DEFAULT_RETENTION_DAYS, batchSize: MAX_GC_BATCH, candidates: many });
    expect(plan.delete).toHaveLength(500);
    expect(plan.delete[0]!.id).toBe('x000');
    expect(plan.more).toBe(true);
  });

  it("judges each candidate by its own install's retention, and says when a longer one keeps it", () => {
    const longer = retentionFor('free', { task: 90 });
    const shorter = retentionFor('free', { task: 10 });
    const mixed = [
      { id: 'kept', level: 'task' as const, lastWriteAt: daysAgo(40), install: 'long' },
      { id: 'gone', level: 'task' as const, lastWriteAt: daysAgo(40), install: 'short' },
    ];
    const plan = planGcBatch({ now, retention: (c) => (c.install === 'long' ? longer : shorter), batchSize: 10, candidates: mixed });
    expect(plan.delete.map((c) => c.id)).toEqual(['gone']);
    expect(plan.extend).toEqual([{ candidate: mixed[0], expiresAt: new Date(now.getTime() + 50 * 86_400_000) }]);
  });

  it('a shorter retention expires more', () => {
    const plan = planGcBatch({ now, retention: retentionFor('free', { vector: 100 }), batchSize: 100, candidates });
    expect(plan.delete.map((c) => c.id)).toContain('v-fresh');
  });
});

describe('quota and least-recently-used eviction', () => {
  const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const item = (id: string, level: EvictionCandidate['level'], bytes: number, minute: number): EvictionCandidate => ({ id, level, bytes, lastAccessAt: t(minute) });
  const items = [item('c', 'vector', 100, 3), item('a', 'vector', 100, 1), item('k', 'task', 100, 2), item('b', 'episode', 100, 1), item('z', 'task', 100, 1)];

  it('evicts nothing under quota', () => {
    const plan = planEviction({ quota: { maxItems: 10, maxBytes: 10_000 }, incoming: { id: 'n', level: 'vector', bytes: 100, replacesBytes: null }, candidates: items });
    expect(plan).toEqual({ evict: [], after: { items: 6, bytes: 600 }, fits: true });
  });

  it('evicts the least recently accessed first, ties by level (task, vector, episode) then id', () => {
    const plan = planEviction({ quota: { maxItems: 3, maxBytes: 10_000 }, incoming: { id: 'n', level: 'vector', bytes: 100, replacesBytes: null }, candidates: items });
    expect(plan.evict.map((c) => `${c.level}/${c.id}`)).toEqual(['task/z', 'vector/a', 'episode/b']);
    expect(plan.after).toEqual({ items: 3, bytes: 300 });
    expect(plan.fits).toBe(true);
    // The same answer whatever order the candidates come in.
    const reversed = planEviction({ quota: { maxItems: 3, maxBytes: 10_000 }, incoming: { id: 'n', level: 'vector', bytes: 100, replacesBytes: null }, candidates: [...items].reverse() });
    expect(reversed.evict).toEqual(plan.evict);
  });

  it('evicts by bytes too', () => {
    const plan = planEviction({ quota: { maxItems: 100, maxBytes: 450 }, incoming: { id: 'n', level: 'task', bytes: 200, replacesBytes: null }, candidates: items });
    expect(plan.evict.map((c) => c.id)).toEqual(['z', 'a', 'b']);
    expect(plan.after.bytes).toBe(400);
  });

  it('never evicts the item being written, even when it is the oldest; a replacement counts its new size only', () => {
    const plan = planEviction({ quota: { maxItems: 5, maxBytes: 500 }, incoming: { id: 'z', level: 'task', bytes: 150, replacesBytes: 100 }, candidates: items });
    expect(plan.evict.map((c) => c.id)).toEqual(['a']);
    expect(plan.after).toEqual({ items: 4, bytes: 450 });
    // Same id on another level is another item.
    const other = planEviction({ quota: { maxItems: 5, maxBytes: 10_000 }, incoming: { id: 'z', level: 'vector', bytes: 100, replacesBytes: null }, candidates: items });
    expect(other.evict.map((c) => `${c.level}/${c.id}`)).toEqual(['task/z']);
  });

  it('does not fit when the item alone is over the quota, or when the candidates run out', () => {
    const alone = planEviction({ quota: { maxItems: 10, maxBytes: 1_000 }, incoming: { id: 'n', level: 'vector', bytes: 1_001, replacesBytes: null }, candidates: items });
    expect(alone).toMatchObject({ evict: [], fits: false });
    // Counters say the install holds more than the two oldest candidates fetched: not enough.
    const partial = planEviction({
      quota: { maxItems: 10, maxBytes: 1_000 },
      usage: { items: 10, bytes: 1_000 },
      incoming: { id: 'n', level: 'vector', bytes: 300, replacesBytes: null },
      candidates: items.slice(0, 2),
    });
    expect(partial.fits).toBe(false);
    expect(partial.evict).toHaveLength(2);
    const err = memoryQuotaExceeded(quotaFor('free'), 1_001);
    expect([err.kind, err.code]).toEqual(['too_large', 'memory_quota_exceeded']);
  });

  it('makes room for every item of one write (a vector upsert), never evicting any of them', () => {
    const incoming = [
      { id: 'n1', level: 'vector' as const, bytes: 100, replacesBytes: null },
      { id: 'a', level: 'vector' as const, bytes: 100, replacesBytes: 100 },
    ];
    const plan = planEviction({ quota: { maxItems: 4, maxBytes: 10_000 }, incoming, candidates: items });
    // 5 items + 1 new = 6, over 4 by 2: z and b go (a, as old, is being rewritten).
    expect(plan.evict.map((c) => `${c.level}/${c.id}`)).toEqual(['task/z', 'episode/b']);
    expect(plan.after).toEqual({ items: 4, bytes: 400 });
    // More items in one write than the quota holds at all: cannot fit.
    const tooMany = Array.from({ length: 5 }, (_, n) => ({ id: `m${n}`, level: 'vector' as const, bytes: 1, replacesBytes: null }));
    expect(planEviction({ quota: { maxItems: 4, maxBytes: 10_000 }, incoming: tooMany, candidates: items }).fits).toBe(false);
  });

  it('takes a workspace override of the quota, each part on its own', () => {
    expect(quotaFor('free', { memoryItems: 4 })).toEqual({ maxItems: 4, maxBytes: quotaFor('free').maxBytes });
    expect(quotaFor('team', { memoryBytes: 1024 })).toEqual({ maxItems: quotaFor('team').maxItems, maxBytes: 1024 });
    expect(quotaFor('free', null)).toEqual(quotaFor('free'));
  });

  it('counts an item as its content, metadata, embedding and overhead', () => {
    expect(itemBytes({ contentBytes: 100, metadataBytes: 20, dimensions: 256 })).toBe(256 + 100 + 20 + 2048);
    expect(quotaFor('team').maxItems).toBeGreaterThan(quotaFor('free').maxItems);
    expect(quotaFor('enterprise').maxBytes).toBeGreaterThan(quotaFor('team').maxBytes);
  });
});

describe('vectors', () => {
  it('cosine similarity, distance and L2 normalisation', () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 2])).toBe(0);
    expect(cosineSimilarity([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(cosineDistance([1, 0], [-1, 0])).toBe(2);
    expect(l2Normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(norm(l2Normalize([1, 2, 3, 4]))).toBeCloseTo(1, 12);
    expect(l2Normalize([0, 0])).toEqual([0, 0]);
  });

  it('maps Firestore COSINE distance (0..2) to a score (0..1) and minScore to distanceThreshold', () => {
    expect(scoreFromDistance(0)).toBe(1);
    expect(scoreFromDistance(1)).toBe(0.5);
    expect(scoreFromDistance(2)).toBe(0);
    expect(scoreFromDistance(2.0000001)).toBe(0);
    expect(scoreFromSimilarity(0.6)).toBeCloseTo(0.8, 12);
    expect(distanceThresholdFor(0)).toBeUndefined();
    expect(distanceThresholdFor(1)).toBe(0);
    expect(distanceThresholdFor(0.75)).toBe(0.5);
    expect(distanceFromScore(0.5)).toBe(1);
    // Round trip: a result exactly at the threshold meets minScore despite float error.
    for (const minScore of [0.1, 0.3, 0.7, 0.8, 0.9, 0.95]) {
      const threshold = distanceThresholdFor(minScore)!;
      expect(meetsMinScore(scoreFromDistance(threshold), minScore), String(minScore)).toBe(true);
      expect(meetsMinScore(scoreFromDistance(threshold + 1e-6), minScore)).toBe(false);
    }
    // What findNearest computes for a pair equals what the score says.
    const a = [0.3, 0.1, -0.5];
    const b = [0.2, 0.4, -0.1];
    expect(scoreFromDistance(cosineDistance(a, b))).toBeCloseTo(scoreFromSimilarity(cosineSimilarity(a, b)), 12);
  });

  it('refuses a dimension mismatch, naming both dimensions', () => {
    const err = caught(() => checkDimensions(1536, new Array(256).fill(0), 'query vector'));
    expect(err.code).toBe('memory_dimension_mismatch');
    expect(err.message).toMatch(/query vector has 256 dimensions.*1536-dimension/);
    expect(caught(() => cosineSimilarity([1, 2], [1, 2, 3])).code).toBe('memory_dimension_mismatch');
    expect(() => checkDimensions(3, [1, 2, 3])).not.toThrow();
    expect(vectorProblem([1, Number.NaN])).toMatch(/non-finite/);
    expect(vectorProblem([])).toMatch(/0 dimensions/);
    expect(vectorProblem(new Array(2049).fill(0))).toMatch(/2049/);
    expect(vectorProblem([0.1, 0.2])).toBeNull();
  });

  it('filters by equality and finds the k nearest at or above minScore, ties by id', () => {
    expect(matchesFilter({ region: 'eu', kept: true }, { region: 'eu' })).toBe(true);
    expect(matchesFilter({ region: 'eu' }, { region: 'us' })).toBe(false);
    expect(matchesFilter({}, { kept: false })).toBe(false);
    expect(matchesFilter({ n: 1 }, { n: '1' })).toBe(false);
    const items = [
      { id: 'b', vector: [1, 0], metadata: { region: 'eu' } },
      { id: 'a', vector: [2, 0], metadata: { region: 'eu' } },
      { id: 'c', vector: [1, 1], metadata: { region: 'eu' } },
      { id: 'd', vector: [0, 1], metadata: { region: 'eu' } },
      { id: 'us', vector: [1, 0], metadata: { region: 'us' } },
    ];
    const found = nearest([1, 0], items, { k: 3, minScore: 0.6, filter: { region: 'eu' } });
    expect(found.map((f) => f.item.id)).toEqual(['a', 'b', 'c']);
    expect(found[0]!.score).toBe(1);
    expect(nearest([1, 0], items, { k: 10, minScore: 0.9, filter: {} }).map((f) => f.item.id)).toEqual(['a', 'b', 'us']);
    expect(caught(() => nearest([1, 0, 0], items, { k: 1, minScore: 0, filter: {} })).code).toBe('memory_dimension_mismatch');
  });
});

describe('memory analytics', () => {
  it('counts writes, reads, searches and hits, removals by cause', () => {
    const delta = mergeDeltas(
      deltaForWrite('task', null, 120),
      deltaForWrite('task', 120, 100),
      deltaForRead('task', 3),
      deltaForWrite('vector', null, 3000),
      deltaForSearch('vector', [0.91, 0.4], 0.9),
      deltaForSearch('vector', [0.5], 0.9),
      deltaForSearch('vector', [], 0),
      deltaForRemoval('vector', [3000], 'eviction'),
      deltaForRemoval('episode', [10, 20], 'expiration'),
      deltaForRemoval('task', [100], 'forget'),
    );
    const stats = applyDelta(emptyMemoryStats(), delta);
    expect(stats.task).toEqual({ items: 0, bytes: 0, reads: 3, writes: 2, searches: 0, searchHits: 0, evictions: 0, expirations: 0 });
    expect(stats.vector).toEqual({ items: 0, bytes: 0, reads: 0, writes: 1, searches: 3, searchHits: 1, evictions: 1, expirations: 0 });
    expect(stats.episode).toMatchObject({ items: -2, bytes: -30, expirations: 2 });
  });

  it('a search hits when a result is at or above minScore (with float tolerance)', () => {
    expect(isSearchHit([], 0)).toBe(false);
    expect(isSearchHit([0.2], 0)).toBe(true);
    expect(isSearchHit([0.7999999999999999], 0.8)).toBe(true);
    expect(isSearchHit([0.79], 0.8)).toBe(false);
  });

  it('increments as field paths without zeros, and a hit-rate view', () => {
    expect(incrementsOf(mergeDeltas(deltaForWrite('vector', null, 50), deltaForSearch('vector', [], 0.5)))).toEqual({
      'vector.writes': 1,
      'vector.items': 1,
      'vector.bytes': 50,
      'vector.searches': 1,
    });
    const stats = applyDelta(emptyMemoryStats(), mergeDeltas(deltaForSearch('vector', [0.9], 0.5), deltaForSearch('vector', [], 0.5), deltaForSearch('episode', [0.9], 0.5), deltaForWrite('task', null, 10)));
    const view = memoryStatsView(stats);
    expect(view.levels.vector.hitRate).toBe(0.5);
    expect(view.levels.episode.hitRate).toBe(1);
    expect(view.levels.task.hitRate).toBeNull();
    expect(view.total).toMatchObject({ searches: 3, searchHits: 2, items: 1, bytes: 10 });
    expect(view.total.hitRate).toBeCloseTo(2 / 3, 12);
    expect(hitRate({ searches: 0, searchHits: 0 })).toBeNull();
  });
});
