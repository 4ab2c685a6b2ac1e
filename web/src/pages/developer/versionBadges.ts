/** A version's state, and its deprecation or yank, as badges (words, not colour alone). */
import type { VersionState } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';

export const versionStateLabel = (state: VersionState): string => t(`version.state.${state}`);

export const versionStateBadge = (state: VersionState) => h('span', { class: `badge version-${state}`, 'data-state': state }, versionStateLabel(state));

/** The state's badge, then "deprecated" and "yanked" where they apply. */
export function versionBadges(v: { state: VersionState; deprecated: unknown; yanked: unknown }): HTMLElement[] {
  return [
    versionStateBadge(v.state),
    ...(v.deprecated ? [h('span', { class: 'badge version-deprecated' }, t('version.deprecated'))] : []),
    ...(v.yanked ? [h('span', { class: 'badge version-yanked' }, t('version.yanked'))] : []),
  ];
}
