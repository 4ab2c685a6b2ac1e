/**
 * An install card's memory: its figures from the workspace metrics (items, size, hit rate of
 * the agent's searches) and a link to the memory page, shown when the install keeps memory or
 * its agent's version declares some. Versions are read once per agent and version.
 */
import type { Install, WorkspaceMetrics } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatBytes, formatPercent, t, tn } from '../../i18n.ts';
import { href } from '../../router.ts';
import { h, replace } from '../../ui/dom.ts';
import { memoryPath } from '../memory/memoryPath.ts';
import { showsMemory } from '../memory/memoryFigures.ts';

type MemoryFigures = WorkspaceMetrics['installs'][number]['memory'];

/** The memory levels each agent version declares (null: not known), read once per page. */
export function declaredMemory(signal: AbortSignal): (install: Install) => Promise<string[] | null> {
  const known = new Map<string, Promise<string[] | null>>();
  return (install) => {
    const key = `${install.agentId}@${install.version}`;
    let found = known.get(key);
    if (!found) {
      found = api.call('getAgentVersion', { params: { agentId: install.agentId, version: install.version }, signal }).then(
        (v) => v.manifest.memory,
        () => null,
      );
      known.set(key, found);
    }
    return found;
  };
}

/** Fills `line` with the figures and adds the link to `actions`, once it is known that the install has memory to show. */
export async function installMemory(line: HTMLElement, actions: HTMLElement, wsId: string, install: Install, figures: MemoryFigures | undefined, declared: (i: Install) => Promise<string[] | null>): Promise<void> {
  // Counters exist once the agent has used memory; otherwise its version says whether it may.
  if (!figures && !showsMemory(await declared(install), null)) return;
  if (figures) {
    replace(line, tn('dashboard.memoryFigures', figures.items, { size: formatBytes(figures.bytes), rate: figures.hitRate === null ? t('metrics.none') : formatPercent(figures.hitRate) }));
    line.hidden = false;
  }
  actions.append(h('a', { href: href(memoryPath(wsId, install.id)), 'data-memory-link': install.id }, t('dashboard.memory')));
}
