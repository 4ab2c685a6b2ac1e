import { deltaForRemoval, mergeDeltas } from '../../domain/memory/stats.js';
import type { Deps } from '../deps.js';
import type { MemoryScope } from './ports.js';

/**
 * Deletes at most `limit` of an install's memories (a person's "forget everything", an
 * uninstalled install's purge). Counted as forgotten while some remain; once none do, the store
 * drops the counters and the embedding space with them, so nothing is counted.
 */
export async function forgetSome(deps: Pick<Deps, 'memory'>, scope: MemoryScope, limit: number, options: { purge?: boolean } = {}): Promise<{ deleted: number; more: boolean }> {
  const { removed, more, reset } = await deps.memory.forgetBatch(scope, limit, options);
  if (!reset && removed.length > 0) await deps.memory.count(scope, mergeDeltas(...removed.map((r) => deltaForRemoval(r.level, [r.bytes], 'forget'))));
  return { deleted: removed.length, more };
}
