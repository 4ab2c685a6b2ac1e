import { endpoints } from '@agent-marketplace/contract';
import { browseEpisodes, browseTasks, browseVectors, exportMemory, forgetAll, forgetTask, forgetVector, memorySummary, searchMemory, setMemoryRetention } from '../../app/memory/installMemory.js';
import { implement } from '../route.js';

/** A customer's view of an install's agent memory (docs/memory.md): browse, search, forget, export. */
export const installMemoryRoutes = [
  implement(endpoints.getInstallMemory, async ({ deps, params }) => ({ body: await memorySummary(deps, params.wsId, params.installId) })),
  implement(endpoints.setInstallMemoryRetention, async ({ deps, params, body }) => ({ body: await setMemoryRetention(deps, params.wsId, params.installId, body) })),
  implement(endpoints.forgetInstallMemory, async ({ deps, params }) => ({ body: await forgetAll(deps, params.wsId, params.installId) })),
  implement(endpoints.listInstallMemoryTask, async ({ deps, params, query }) => ({ body: await browseTasks(deps, params.wsId, params.installId, query) })),
  implement(endpoints.forgetInstallMemoryTask, async ({ deps, params }) => ({ body: await forgetTask(deps, params.wsId, params.installId, params.key) })),
  implement(endpoints.listInstallMemoryVector, async ({ deps, params, query }) => ({ body: await browseVectors(deps, params.wsId, params.installId, query) })),
  implement(endpoints.searchInstallMemoryVector, async ({ deps, params, body }) => ({ body: await searchMemory(deps, params.wsId, params.installId, body) })),
  implement(endpoints.forgetInstallMemoryVector, async ({ deps, params }) => ({ body: await forgetVector(deps, params.wsId, params.installId, 'vector', params.id) })),
  implement(endpoints.listInstallMemoryEpisodes, async ({ deps, params, query }) => ({ body: await browseEpisodes(deps, params.wsId, params.installId, query) })),
  implement(endpoints.forgetInstallMemoryEpisode, async ({ deps, params }) => ({ body: await forgetVector(deps, params.wsId, params.installId, 'episode', params.runId) })),
  implement(endpoints.exportInstallMemory, async ({ deps, params, query }) => ({ body: await exportMemory(deps, params.wsId, params.installId, query.cursor) })),
];
