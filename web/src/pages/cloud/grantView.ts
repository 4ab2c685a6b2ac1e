/**
 * An install's least-privilege grant for one provider: what to run on the customer side
 * (gcloud or CloudFormation, and Terraform, each with a Copy button), the scopes it grants in
 * the provider's terms, and the scopes that provider cannot back.
 */
import type { CloudGrant } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';
import { copyButton } from './copyButton.ts';
import { scopeList, unsupportedWarning } from './scopeList.ts';
import { tabs, type Tab } from './tabs.ts';

function commandTab(id: string, key: string, title: string, text: string): Tab {
  const pre = h('pre', { class: 'command', id: `${id}-${key}`, tabindex: 0, 'aria-label': title }, text);
  return { key, title, content: h('div', {}, pre, copyButton(pre, title)) };
}

export function grantView(grant: CloudGrant, id: string): HTMLElement {
  const list: Tab[] = [];
  if (grant.gcloud) list.push(commandTab(id, 'gcloud', t('cloud.grant.gcloud'), grant.gcloud));
  if (grant.cloudformation) list.push(commandTab(id, 'cloudformation', t('cloud.grant.cloudformation'), grant.cloudformation));
  list.push(commandTab(id, 'terraform', t('cloud.grant.terraform'), grant.terraform));
  return h(
    'div',
    { class: 'cloud-grant' },
    h('p', {}, t(`cloud.grant.intro.${grant.provider}`)),
    unsupportedWarning(grant.provider, grant.unsupported),
    tabs(`${id}-tabs`, t('cloud.grant.formats'), list),
    h('p', {}, t('cloud.grant.scopes')),
    scopeList(grant),
  );
}
