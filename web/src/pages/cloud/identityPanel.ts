/**
 * What the customer grants to, before any connection exists: for GCP the workspace's own
 * service account; for AWS the platform's principal and the workspace's external id, which the
 * role's trust policy must require (so no other workspace can assume it).
 */
import type { CloudIdentity, CloudProviderId } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';
import { copyable } from './copyButton.ts';

export function identityPanel(provider: CloudProviderId, identity: CloudIdentity, id: string): HTMLElement {
  if (provider === 'gcp') {
    return h(
      'div',
      { class: 'cloud-identity', role: 'group', 'aria-labelledby': `${id}-title` },
      h('p', { id: `${id}-title` }, h('strong', {}, t('cloud.identity.gcpTitle'))),
      h('p', { class: 'hint' }, t('cloud.identity.gcpHint')),
      copyable(identity.gcp.serviceAccount, t('cloud.identity.serviceAccount'), `${id}-sa`),
    );
  }
  return h(
    'div',
    { class: 'cloud-identity', role: 'group', 'aria-labelledby': `${id}-title` },
    h('p', { id: `${id}-title` }, h('strong', {}, t('cloud.identity.awsTitle'))),
    h('p', { class: 'hint' }, t('cloud.identity.awsPrincipalHint')),
    copyable(identity.aws.platformPrincipalArn, t('cloud.identity.principal'), `${id}-principal`),
    h('p', { class: 'hint' }, t('cloud.identity.awsExternalIdHint')),
    copyable(identity.aws.externalId, t('cloud.identity.externalId'), `${id}-external-id`),
  );
}
