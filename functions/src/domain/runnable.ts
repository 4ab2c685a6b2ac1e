import type { AgentListing, Install } from './models.js';

/** Why an install's runs may not run now: a new trigger is refused, and a queued run ends canceled with it. */
export interface RunRefusal {
  code: 'install_paused' | 'install_uninstalled' | 'agent_suspended';
  message: string;
}

/**
 * Whether runs of `install` may start: not while it is paused or uninstalled (gone counts as
 * uninstalled), nor while its agent's listing is suspended. A draft is not refused here: it
 * never gets runs (triggering one is refused before admission).
 */
export function runRefusal(install: Pick<Install, 'state'> | null, listing: Pick<AgentListing, 'state' | 'name'> | null): RunRefusal | null {
  if (!install || install.state === 'uninstalled') return { code: 'install_uninstalled', message: 'The install was uninstalled; its runs do not run.' };
  if (install.state === 'paused') return { code: 'install_paused', message: 'This install is paused; resume it before running it.' };
  if (listing?.state === 'suspended') {
    return { code: 'agent_suspended', message: `${listing.name} is suspended from the marketplace; its runs do not run until it is reinstated.` };
  }
  return null;
}
