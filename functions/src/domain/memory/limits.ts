import type { z } from 'zod';
import { EpisodeInput, jsonValueIssues, MemoryMetadata, SearchOptions, TaskKey, TaskListOptions, VectorItemInput, type JsonValue } from '@agent-marketplace/contract/memory';
import { AppError, type FieldIssue } from '../errors.js';

/**
 * Memory inputs judged on the platform: the contract's shapes (contract/src/memory.ts) as field
 * issues, which never throw, and as parsers that throw AppError('invalid', 'memory_invalid') with
 * them, or 'too_large' when a size is the only problem.
 */
export * from '@agent-marketplace/contract/memory';

// ---- Issues and errors ----------------------------------------------------------------------

const joinPath = (prefix: string, rest: readonly PropertyKey[]) => [prefix, ...rest.map(String)].filter((p) => p !== '').join('.');

/** A schema's issues for a value, each at `prefix.path`; [] when the value fits. */
export function issuesOf(schema: z.ZodType, value: unknown, prefix: string): FieldIssue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => ({
    path: joinPath(prefix, i.path),
    message: i.message,
    code: i.code === 'custom' && (i as { params?: { tooLarge?: boolean } }).params?.tooLarge ? 'too_large' : i.code,
  }));
}

export const taskKeyIssues = (key: unknown, path = 'key') => issuesOf(TaskKey, key, path);
export const taskValueIssues = (value: unknown, path = 'value') => jsonValueIssues(value, path);
export const vectorItemIssues = (item: unknown, path = 'item') => issuesOf(VectorItemInput, item, path);
export const episodeIssues = (episode: unknown, path = 'episode') => issuesOf(EpisodeInput, episode, path);
export const searchOptionsIssues = (options: unknown, path = 'options') => issuesOf(SearchOptions, options ?? {}, path);
export const metadataIssues = (metadata: unknown, path = 'metadata') => issuesOf(MemoryMetadata, metadata, path);

/**
 * The error for a set of issues: 'too_large' (413) when every issue is a size, else 'invalid'
 * (400). The message names the first issue; the rest are in `issues`.
 */
export function memoryInvalid(what: string, issues: FieldIssue[]): AppError {
  const first = issues[0];
  const detail = first ? `: ${first.path} ${first.message}` : '';
  if (issues.length > 0 && issues.every((i) => i.code === 'too_large')) {
    return new AppError('too_large', 'memory_too_large', `The ${what} is too large${detail}.`, { issues });
  }
  return new AppError('invalid', 'memory_invalid', `The ${what} is not valid${detail}.`, { issues });
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix: string, what: string): z.infer<T> {
  const issues = issuesOf(schema, value, prefix);
  if (issues.length > 0) throw memoryInvalid(what, issues);
  return schema.parse(value);
}

export function parseTaskKey(key: unknown, path = 'key'): string {
  return parseWith(TaskKey, key, path, 'task memory key');
}

export function parseTaskValue(value: unknown, path = 'value'): JsonValue {
  const issues = jsonValueIssues(value, path);
  if (issues.length > 0) throw memoryInvalid('task memory value', issues);
  return value as JsonValue;
}

export const parseVectorItem = (item: unknown, path = 'item'): VectorItemInput => parseWith(VectorItemInput, item, path, 'vector memory');
export const parseEpisode = (episode: unknown, path = 'episode'): EpisodeInput => parseWith(EpisodeInput, episode, path, 'episode');
export const parseSearchOptions = (options: unknown, path = 'options'): SearchOptions => parseWith(SearchOptions, options ?? {}, path, 'search options');
export const parseTaskListOptions = (options: unknown, path = 'options'): TaskListOptions => parseWith(TaskListOptions, options ?? {}, path, 'list options');
