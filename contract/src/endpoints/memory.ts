import { z } from 'zod';
import { RunId } from '../common.js';
import { endpoint } from '../endpoint.js';
import {
  EpisodeRecordIn,
  EpisodeSearchIn,
  EpisodeSearchOut,
  TaskDeleteIn,
  TaskGetIn,
  TaskGetOut,
  TaskListOptions,
  TaskListOut,
  TaskPutIn,
  TaskPutOut,
  VectorDeleteIn,
  VectorSearchIn,
  VectorSearchOut,
  VectorUpsertIn,
} from '../memory.js';

const RunParams = z.object({ runId: RunId }).strict();
const runner = { kind: 'runner' } as const;
const tags = ['runner', 'memory'];
const Deleted = z.object({ deleted: z.boolean() }).meta({ id: 'MemoryDeleted' });

/** The runner API's memory calls: the install's own memory, at the levels its manifest declares (docs/memory.md). */
export const memoryEndpoints = {
  runnerMemoryTaskGet: endpoint('runnerMemoryTaskGet', { summary: 'Task memory: one key (level `task`)', tags, access: runner, params: RunParams, body: TaskGetIn, response: { status: 200, schema: TaskGetOut, description: 'The value and its version, or null' }, errors: [403, 409] }),
  runnerMemoryTaskPut: endpoint('runnerMemoryTaskPut', {
    summary: 'Task memory: write a key; with `expectedVersion`, only if nobody wrote it since (409 memory_version_conflict)',
    tags,
    access: runner,
    params: RunParams,
    body: TaskPutIn,
    response: { status: 200, schema: TaskPutOut, description: 'The new version' },
    errors: [403, 409, 413],
  }),
  runnerMemoryTaskDelete: endpoint('runnerMemoryTaskDelete', { summary: 'Task memory: delete a key', tags, access: runner, params: RunParams, body: TaskDeleteIn, response: { status: 200, schema: Deleted, description: 'Whether it existed' }, errors: [403, 409] }),
  runnerMemoryTaskList: endpoint('runnerMemoryTaskList', { summary: 'Task memory: keys by prefix, a page at a time', tags, access: runner, params: RunParams, body: TaskListOptions, response: { status: 200, schema: TaskListOut, description: 'Keys and versions' }, errors: [403] }),
  runnerMemoryVectorUpsert: endpoint('runnerMemoryVectorUpsert', {
    summary: 'Vector memory: add or replace memories by id (embedded by the platform)',
    tags,
    access: runner,
    params: RunParams,
    body: VectorUpsertIn,
    response: { status: 200, schema: z.object({ ids: z.array(z.string()) }).meta({ id: 'MemoryUpserted' }), description: 'The ids written' },
    errors: [403, 412, 413],
  }),
  runnerMemoryVectorSearch: endpoint('runnerMemoryVectorSearch', { summary: 'Vector memory: the nearest memories to a text, filtered on metadata, above a score', tags, access: runner, params: RunParams, body: VectorSearchIn, response: { status: 200, schema: VectorSearchOut, description: 'Nearest first' }, errors: [403, 412] }),
  runnerMemoryVectorDelete: endpoint('runnerMemoryVectorDelete', { summary: 'Vector memory: forget one memory', tags, access: runner, params: RunParams, body: VectorDeleteIn, response: { status: 200, schema: Deleted, description: 'Whether it existed' }, errors: [403] }),
  runnerMemoryEpisodeRecord: endpoint('runnerMemoryEpisodeRecord', {
    summary: "Episodes: record this run's episode (what it saw, what it did, how it ended); again in the same run replaces it",
    tags,
    access: runner,
    params: RunParams,
    body: EpisodeRecordIn,
    response: { status: 200, schema: z.object({ runId: z.string() }).meta({ id: 'MemoryEpisodeRecorded' }), description: 'Recorded' },
    errors: [403, 412, 413],
  }),
  runnerMemoryEpisodeSearch: endpoint('runnerMemoryEpisodeSearch', { summary: "Episodes: the install's most relevant (or newest) past episodes", tags, access: runner, params: RunParams, body: EpisodeSearchIn, response: { status: 200, schema: EpisodeSearchOut, description: 'Episodes' }, errors: [403, 412] }),
};
