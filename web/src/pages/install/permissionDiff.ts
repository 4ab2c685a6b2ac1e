/** What an upgrade changes in an install's permissions (the API's permission diff), in words. */
import type { InstallVersionStatus } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { riskLabel } from '../../labels.ts';
import { h } from '../../ui/dom.ts';

export type PermissionDiff = NonNullable<InstallVersionStatus['upgrade']>['permissionDiff'];

/** Permissions that grow (added, or of a higher risk) need the customer's consent with the upgrade. */
export const needsConsent = (d: PermissionDiff): boolean => d.added.length > 0 || d.riskRaised.length > 0;

export function permissionDiff(d: PermissionDiff): HTMLElement {
  const group = (title: string, cls: string, items: HTMLElement[]) => (items.length ? h('div', { class: `diff-group ${cls}` }, h('p', {}, h('strong', {}, title)), h('ul', {}, ...items)) : null);
  const line = (scope: string, ...rest: (string | HTMLElement)[]) => h('li', {}, h('code', {}, scope), ...rest);
  const risk = (r: string) => h('span', { class: `risk risk-${r}` }, riskLabel(r));
  const parts = [
    group(t('upgrade.added'), 'diff-added', d.added.map((p) => line(p.scope, ' ', risk(p.risk), ': ', p.reason))),
    group(t('upgrade.riskRaised'), 'diff-raised', d.riskRaised.map((r) => line(r.scope, ': ', risk(r.from), ' → ', risk(r.to)))),
    group(t('upgrade.removed'), 'diff-removed', d.removed.map((p) => line(p.scope, ' ', risk(p.risk)))),
    group(t('upgrade.newlyGated'), 'diff-gated', d.newlyGated.map((a) => line(a))),
  ].filter((p) => p !== null);
  return h('div', { class: 'permission-diff' }, ...(parts.length ? parts : [h('p', {}, t('upgrade.noChanges'))]));
}
