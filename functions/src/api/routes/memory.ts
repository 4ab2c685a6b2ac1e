import { endpoints } from '@agent-marketplace/contract';
import { deleteTask, deleteVector, getTask, listTasks, putTask, recordEpisode, searchEpisodes, searchVectors, upsertVectors } from '../../app/memory/runMemory.js';
import type { Principal } from '../../app/shared/principal.js';
import { implement } from '../route.js';

type RunnerPrincipal = Extract<Principal, { kind: 'runner' }>;
const runnerOf = (principal: unknown) => principal as RunnerPrincipal;

/** The runner API's memory calls (docs/memory.md): always the run's own install's memory. */
export const memoryRoutes = [
  implement(endpoints.runnerMemoryTaskGet, async ({ deps, principal, body }) => ({ body: { item: await getTask(deps, runnerOf(principal), body.key) } })),
  implement(endpoints.runnerMemoryTaskPut, async ({ deps, principal, body }) => ({ body: await putTask(deps, runnerOf(principal), body) })),
  implement(endpoints.runnerMemoryTaskDelete, async ({ deps, principal, body }) => ({ body: await deleteTask(deps, runnerOf(principal), body) })),
  implement(endpoints.runnerMemoryTaskList, async ({ deps, principal, body }) => ({ body: await listTasks(deps, runnerOf(principal), body) })),
  implement(endpoints.runnerMemoryVectorUpsert, async ({ deps, principal, body }) => ({ body: await upsertVectors(deps, runnerOf(principal), body.items) })),
  implement(endpoints.runnerMemoryVectorSearch, async ({ deps, principal, body }) => ({ body: await searchVectors(deps, runnerOf(principal), body) })),
  implement(endpoints.runnerMemoryVectorDelete, async ({ deps, principal, body }) => ({ body: await deleteVector(deps, runnerOf(principal), body.id) })),
  implement(endpoints.runnerMemoryEpisodeRecord, async ({ deps, principal, body }) => ({ body: await recordEpisode(deps, runnerOf(principal), body) })),
  implement(endpoints.runnerMemoryEpisodeSearch, async ({ deps, principal, body }) => ({ body: await searchEpisodes(deps, runnerOf(principal), body) })),
];
