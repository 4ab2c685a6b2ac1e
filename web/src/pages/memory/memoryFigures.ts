/**
 * The memory page's pure pieces (tested in Node): the levels in display order, the share of a
 * quota in use, a retention typed in days, the PUT body of what changed, the defaults learned
 * from the summaries seen, where a refusal's field problem belongs, one export file from its
 * pages, and the few ways a memory is put into words.
 */
import type { BodyOf, MEMORY_LIMITS, ResponseOf } from '@agent-marketplace/client';
import { complete } from '../../labels.ts';

export type MemorySummary = ResponseOf<'getInstallMemory'>;
export type MemoryLevel = keyof MemorySummary['levels'];
export type ExportPage = ResponseOf<'exportInstallMemory'>;
export type RetentionBody = NonNullable<BodyOf<'setInstallMemoryRetention'>>['retentionDays'];

/** The levels memory keeps past a run, as the page lists them. */
export const MEMORY_LEVELS = complete<MemoryLevel>()(['task', 'vector', 'episode']);

type Limits = typeof MEMORY_LIMITS;
/**
 * How many results a search may ask for. The bundle carries no zod, so the figures are written
 * here, typed as the contract's literals: a change there is a type error here.
 */
export const SEARCH_K: { max: Limits['searchMaxK']; default: Limits['searchDefaultK'] } = { max: 50, default: 5 };

/** The share of a quota in use, from 0 to 1 (past the quota counts as full; a quota of 0 is full once anything is kept). */
export function usageRatio(used: number, max: number): number {
  if (!(used > 0)) return 0;
  if (!(max > 0)) return 1;
  return Math.min(1, used / max);
}

/** The memory section is shown when the agent declares a level, or when the install keeps something anyway. */
export const showsMemory = (declared: readonly string[] | null, items: number | null): boolean => (declared?.length ?? 0) > 0 || (items ?? 0) > 0;

export type DaysParse = { ok: true; days: number } | { ok: false; problem: 'empty' | 'format' | 'min' };

/** Days as typed: whole days, at least one ("90", " 365 "); never a fraction, an exponent or a sign. */
export function parseRetentionDays(text: string): DaysParse {
  const s = text.trim();
  if (s === '') return { ok: false, problem: 'empty' };
  if (!/^\d{1,6}$/.test(s)) return { ok: false, problem: 'format' };
  const days = Number(s);
  return days >= 1 ? { ok: true, days } : { ok: false, problem: 'min' };
}

/**
 * The body of a save: only the levels whose days differ from those in force, so a level left
 * alone keeps its default (an override equal to the default would stop following it).
 */
export function retentionChanges(inForce: Record<MemoryLevel, number>, typed: Partial<Record<MemoryLevel, number>>): RetentionBody {
  const body: RetentionBody = {};
  for (const level of MEMORY_LEVELS) {
    const days = typed[level];
    if (days !== undefined && days !== inForce[level]) body[level] = days;
  }
  return body;
}

/** The level a field problem's path names: `retentionDays.task`, `body.retentionDays.episode`. */
export function retentionProblemLevel(path: string): MemoryLevel | null {
  const m = /(?:^|\.)retentionDays\.(\w+)/.exec(path);
  const level = m?.[1];
  return level && (MEMORY_LEVELS as readonly string[]).includes(level) ? (level as MemoryLevel) : null;
}

export interface MemoryExportFile {
  install: ExportPage['install'];
  exportedAt: string;
  task: ExportPage['task'];
  vector: ExportPage['vector'];
  episodes: ExportPage['episodes'];
}

/** The pages of an export as one file: the first page's install and time, the three lists concatenated in page order. */
export function mergeExport(pages: readonly ExportPage[]): MemoryExportFile {
  const first = pages[0];
  if (!first) throw new Error('mergeExport(): no pages');
  return {
    install: first.install,
    exportedAt: first.exportedAt,
    task: pages.flatMap((p) => p.task),
    vector: pages.flatMap((p) => p.vector),
    episodes: pages.flatMap((p) => p.episodes),
  };
}

/** `memory-idle-vm-reaper-<install>-2026-11-26.json` (download.ts keeps the name to safe characters). */
export const exportFileName = (file: Pick<MemoryExportFile, 'install' | 'exportedAt'>): string =>
  `memory-${file.install.agentId}-${file.install.id}-${file.exportedAt.slice(0, 10)}.json`;

/** Flat metadata as `key=value` pairs, in key order ("" when there is none). */
export const metadataText = (metadata: Record<string, unknown>): string =>
  Object.keys(metadata)
    .sort()
    .map((k) => `${k}=${typeof metadata[k] === 'string' ? (metadata[k] as string) : JSON.stringify(metadata[k])}`)
    .join(', ');

/** A task value as compact JSON, cut to `max` characters with an ellipsis (the full value is in the export). */
export function valuePreview(value: unknown, max = 240): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
