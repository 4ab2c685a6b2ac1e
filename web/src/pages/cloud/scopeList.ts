/** A provider's reading of manifest scopes: each scope, what it lets the agent do, and the permissions behind it. */
import type { CloudGrant, CloudProviderId } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';
import { providerLabel } from './connectionLabels.ts';

type Reading = Pick<CloudGrant, 'scopes' | 'unsupported'>;

export function scopeList(reading: Reading): HTMLElement {
  return h(
    'ul',
    { class: 'cloud-scopes' },
    ...reading.scopes.map((s) =>
      h(
        'li',
        { 'data-scope': s.scope },
        h('code', {}, s.scope),
        ': ',
        s.describe,
        h('br'),
        h('span', { class: 'muted' }, t('cloud.permissions')),
        ' ',
        ...s.permissions.flatMap((p, i) => [i ? ', ' : '', h('code', {}, p)]),
      ),
    ),
  );
}

/** The scopes no permission of `provider` backs: the agent cannot use them there. Null when there are none. */
export function unsupportedWarning(provider: CloudProviderId, unsupported: string[]): HTMLElement | null {
  if (unsupported.length === 0) return null;
  return h('p', { class: 'cloud-warning' }, h('strong', {}, t('cloud.warning')), ' ', t('cloud.unsupported', { scopes: unsupported.join(', '), provider: providerLabel(provider) }));
}
