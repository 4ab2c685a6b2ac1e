/**
 * The manifest viewer's "On your cloud": what the version's scopes let the agent do on GCP and
 * on AWS, in each provider's terms, and the scopes a provider cannot back. Loaded once the
 * viewer is drawn; a failure is said in place (the rest of the manifest stands on its own).
 */
import type { AgentCloudPermissions, CloudProviderId } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { isAbort } from '../../messages.ts';
import { loading } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { providerLabel } from '../cloud/connectionLabels.ts';
import { scopeList, unsupportedWarning } from '../cloud/scopeList.ts';

const PROVIDERS: CloudProviderId[] = ['gcp', 'aws'];

function readings(all: AgentCloudPermissions): HTMLElement {
  return h(
    'div',
    { class: 'cloud-permissions' },
    ...PROVIDERS.map((p) =>
      h(
        'div',
        { class: 'cloud-provider', 'data-provider': p },
        h('h4', {}, providerLabel(p)),
        unsupportedWarning(p, all[p].unsupported),
        all[p].scopes.length ? scopeList(all[p]) : h('p', {}, t('manifest.cloud.none')),
      ),
    ),
  );
}

export function cloudPermissions(agentId: string, version: string, signal: AbortSignal): HTMLElement {
  // Busy, not live: the readings are long, and are read in place like the rest of the manifest.
  const slot = h('div', { 'aria-busy': 'true' }, loading());
  api
    .call('getAgentCloudPermissions', { params: { agentId, version }, signal })
    .then((all) => replace(slot, h('p', {}, t('manifest.cloud.intro')), readings(all)))
    .catch((err: unknown) => {
      if (!isAbort(err)) replace(slot, h('p', {}, t('manifest.cloud.failed')));
    })
    .finally(() => slot.removeAttribute('aria-busy'));
  return slot;
}
