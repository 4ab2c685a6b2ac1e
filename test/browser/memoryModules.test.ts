/**
 * The memory page's pure pieces, in Node: the share of a quota in use, when the section is
 * shown, a retention typed in days, the PUT body of what changed, the defaults learned from
 * summaries, where a refusal's field problem goes, one export file from its pages, and the ways
 * a memory is put into words (bytes, scores, averages, days, metadata, a value's preview).
 */
import { MEMORY_LIMITS } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { formatAverage, formatBytes, formatDays, formatScore } from '../../web/src/i18n.ts';
import {
  exportFileName,
  mergeExport,
  metadataText,
  parseRetentionDays,
  retentionChanges,
  retentionProblemLevel,
  SEARCH_K,
  showsMemory,
  usageRatio,
  valuePreview,
  type ExportPage,
} from '../../web/src/pages/memory/memoryFigures.ts';
import { memoryPath } from '../../web/src/pages/memory/memoryPath.ts';

describe('the memory quota', () => {
  it('is the share in use, from 0 to 1: past the quota is full, a quota of 0 is full once anything is kept', () => {
    expect(usageRatio(0, 2000)).toBe(0);
    expect(usageRatio(7, 2000)).toBeCloseTo(0.0035);
    expect(usageRatio(2000, 2000)).toBe(1);
    expect(usageRatio(2500, 2000)).toBe(1);
    expect(usageRatio(0, 0)).toBe(0);
    expect(usageRatio(3, 0)).toBe(1);
    expect(usageRatio(-1, 10)).toBe(0);
  });

  it('sizes read in decimal units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(3400)).toBe('3.4 kB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('26.2 MB');
    // The enterprise quota, 5,000 MiB.
    expect(formatBytes(5_000 * 1024 * 1024)).toBe('5.2 GB');
  });
});

describe('the memory section', () => {
  it('is shown when the agent declares a level or the install keeps something anyway', () => {
    expect(showsMemory(['task'], 0)).toBe(true);
    expect(showsMemory([], 3)).toBe(true);
    expect(showsMemory(null, 1)).toBe(true);
    expect(showsMemory([], 0)).toBe(false);
    expect(showsMemory(null, null)).toBe(false);
  });

  it('lives at its own address, ids encoded', () => {
    expect(memoryPath('ws 1', 'in/2')).toBe('/installs/ws%201/in%2F2/memory');
  });
});

describe('a retention typed in days', () => {
  it('reads whole days, at least one', () => {
    expect(parseRetentionDays('90')).toEqual({ ok: true, days: 90 });
    expect(parseRetentionDays(' 365 ')).toEqual({ ok: true, days: 365 });
    expect(parseRetentionDays('')).toEqual({ ok: false, problem: 'empty' });
    expect(parseRetentionDays('  ')).toEqual({ ok: false, problem: 'empty' });
    expect(parseRetentionDays('0')).toEqual({ ok: false, problem: 'min' });
    for (const text of ['1.5', '-3', '1e3', '+7', 'ninety', '12 days', '9999999']) expect(parseRetentionDays(text), text).toEqual({ ok: false, problem: 'format' });
  });

  it('saves only the levels whose days changed', () => {
    const inForce = { task: 90, vector: 180, episode: 365 };
    expect(retentionChanges(inForce, { task: 90, vector: 180, episode: 365 })).toEqual({});
    expect(retentionChanges(inForce, { task: 30, vector: 180, episode: 400 })).toEqual({ task: 30, episode: 400 });
    expect(retentionChanges(inForce, { vector: 200 })).toEqual({ vector: 200 });
  });

  it('places a field problem at its level, whatever the prefix of its path', () => {
    expect(retentionProblemLevel('retentionDays.task')).toBe('task');
    expect(retentionProblemLevel('body.retentionDays.episode')).toBe('episode');
    expect(retentionProblemLevel('retentionDays.vector')).toBe('vector');
    expect(retentionProblemLevel('retentionDays.session')).toBeNull();
    expect(retentionProblemLevel('retentionDays')).toBeNull();
    expect(retentionProblemLevel('body')).toBeNull();
  });

  it('says days in words', () => {
    expect(formatDays(1)).toBe('1 day');
    expect(formatDays(365)).toBe('365 days');
  });
});

describe('the export', () => {
  const page = (n: number, nextCursor: string | null): ExportPage => ({
    install: { id: 'inst1', wsId: 'ws1', agentId: 'idle-vm-reaper' },
    exportedAt: `2026-12-0${n}T10:00:00.000Z`,
    task: [{ key: `k${n}`, value: n, version: 1, updatedAt: '2026-12-01T00:00:00.000Z' }],
    vector: n === 2 ? [{ id: 'v1', text: 'idle VM', metadata: {}, updatedAt: '2026-12-01T00:00:00.000Z' }] : [],
    episodes: [],
    nextCursor,
  });

  it('concatenates the pages in order into one file, named by the agent, install and day', () => {
    const file = mergeExport([page(1, 'c1'), page(2, null)]);
    expect(file).toEqual({
      install: { id: 'inst1', wsId: 'ws1', agentId: 'idle-vm-reaper' },
      exportedAt: '2026-12-01T10:00:00.000Z',
      task: [expect.objectContaining({ key: 'k1' }), expect.objectContaining({ key: 'k2' })],
      vector: [expect.objectContaining({ id: 'v1' })],
      episodes: [],
    });
    expect(Object.keys(file)).not.toContain('nextCursor');
    expect(exportFileName(file)).toBe('memory-idle-vm-reaper-inst1-2026-12-01.json');
    expect(() => mergeExport([])).toThrow();
  });
});

describe('a memory in words', () => {
  it('lists metadata as key=value in key order', () => {
    expect(metadataText({})).toBe('');
    expect(metadataText({ region: 'eu', count: 3, ok: true })).toBe('count=3, ok=true, region=eu');
  });

  it('previews a task value as compact JSON, cut with an ellipsis', () => {
    expect(valuePreview({ daily: 1200 })).toBe('{"daily":1200}');
    expect(valuePreview(null)).toBe('null');
    const long = valuePreview('x'.repeat(500), 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });

  it('scores in two decimals, averages in one', () => {
    expect(formatScore(0.8333)).toBe('0.83');
    expect(formatScore(1)).toBe('1.00');
    expect(formatAverage(2.25)).toBe('2.3');
    expect(formatAverage(4)).toBe('4');
  });

  it("asks for as many results as the contract allows", () => {
    expect(SEARCH_K).toEqual({ max: MEMORY_LIMITS.searchMaxK, default: MEMORY_LIMITS.searchDefaultK });
  });
});
