import { z } from 'zod';
import { InstallId, RunId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import {
  EpisodeBrowseOut,
  MemoryExportOut,
  MemoryExportQuery,
  MemoryForgetAllOut,
  MemoryForgotOut,
  MemoryPageQuery,
  MemoryRetentionIn,
  MemorySummaryOut,
  TaskBrowseOut,
  TaskBrowseQuery,
  TaskKey,
  VectorBrowseOut,
  VectorItemId,
  VectorSearchIn,
  VectorSearchOut,
} from '../memory.js';

const InstallParams = z.object({ wsId: WorkspaceId, installId: InstallId }).strict();
const read = { kind: 'workspace', permission: 'installs.read' } as const;
// Forgetting is for people: an API key cannot erase what an agent remembered (as with every install change).
const manage = { kind: 'workspace', permission: 'installs.manage', apiKeys: false } as const;
const tags = ['installs', 'memory'];

/**
 * A customer's view of an install's agent memory (docs/memory.md): what it keeps and how it is
 * used, each level a page at a time, a search by meaning scored as the agent's are, forgetting one
 * item or everything, and an export. An uninstalled install's memory stays reachable until its purge.
 */
export const installMemoryEndpoints = {
  getInstallMemory: endpoint('getInstallMemory', {
    summary: "The install's memory: items, bytes, reads, writes, searches and hit rate, evictions and expirations per level; the embedding space, the retention and quota in force",
    tags,
    access: read,
    params: InstallParams,
    response: { status: 200, schema: MemorySummaryOut, description: 'The summary' },
  }),
  setInstallMemoryRetention: endpoint('setInstallMemoryRetention', {
    summary: "Set how long the install's memories are kept per level (days after the last write, within the plan's maxima; null: the default). Items already stored follow the new retention within a few sweeps",
    tags,
    access: manage,
    params: InstallParams,
    body: MemoryRetentionIn,
    response: { status: 200, schema: MemorySummaryOut, description: 'The summary, with the retention in force' },
  }),
  forgetInstallMemory: endpoint('forgetInstallMemory', {
    summary: 'Forget everything the install remembers, one bounded batch per call: call again while `more` is true (the counters and the embedding space reset at the end)',
    tags,
    access: manage,
    params: InstallParams,
    response: { status: 200, schema: MemoryForgetAllOut, description: 'How many were deleted, and whether more remain' },
  }),
  listInstallMemoryTask: endpoint('listInstallMemoryTask', {
    summary: 'Task memory: keys with their values and versions, by prefix, in key order',
    tags,
    access: read,
    params: InstallParams,
    query: TaskBrowseQuery,
    response: { status: 200, schema: TaskBrowseOut, description: 'A page of keys' },
  }),
  forgetInstallMemoryTask: endpoint('forgetInstallMemoryTask', {
    summary: 'Task memory: forget one key (percent-encode a `/` in it as %2F)',
    tags,
    access: manage,
    params: InstallParams.extend({ key: TaskKey }).strict(),
    response: { status: 200, schema: MemoryForgotOut, description: 'Whether it existed' },
  }),
  listInstallMemoryVector: endpoint('listInstallMemoryVector', {
    summary: 'Vector memory: memories with their text and metadata, newest first',
    tags,
    access: read,
    params: InstallParams,
    query: MemoryPageQuery,
    response: { status: 200, schema: VectorBrowseOut, description: 'A page of memories' },
  }),
  searchInstallMemoryVector: endpoint('searchInstallMemoryVector', {
    summary: "Vector memory: the nearest memories to a text, filtered on metadata, above a score (scored as the agent's searches are)",
    tags,
    access: read,
    params: InstallParams,
    body: VectorSearchIn,
    response: { status: 200, schema: VectorSearchOut, description: 'Nearest first' },
    errors: [412],
  }),
  forgetInstallMemoryVector: endpoint('forgetInstallMemoryVector', {
    summary: 'Vector memory: forget one memory',
    tags,
    access: manage,
    params: InstallParams.extend({ id: VectorItemId }).strict(),
    response: { status: 200, schema: MemoryForgotOut, description: 'Whether it existed' },
  }),
  listInstallMemoryEpisodes: endpoint('listInstallMemoryEpisodes', {
    summary: "Episodes: what the install's runs saw and did, newest first",
    tags,
    access: read,
    params: InstallParams,
    query: MemoryPageQuery,
    response: { status: 200, schema: EpisodeBrowseOut, description: 'A page of episodes' },
  }),
  forgetInstallMemoryEpisode: endpoint('forgetInstallMemoryEpisode', {
    summary: "Episodes: forget one run's episode",
    tags,
    access: manage,
    params: InstallParams.extend({ runId: RunId }).strict(),
    response: { status: 200, schema: MemoryForgotOut, description: 'Whether it existed' },
  }),
  exportInstallMemory: endpoint('exportInstallMemory', {
    summary: 'Every memory of the install as JSON, without embeddings, a page of at most 500 items at a time: follow `nextCursor` until null',
    tags,
    access: read,
    params: InstallParams,
    query: MemoryExportQuery,
    response: { status: 200, schema: MemoryExportOut, description: 'A page of the export' },
  }),
};
