/**
 * What an agent asks for, from its manifest: permissions by risk, what they allow on each cloud
 * (when the version is named), secrets, approvals, resources, pricing, the raw YAML.
 */
import type { ManifestView } from '@agent-marketplace/client';
import { formatCount, t, tn } from '../../i18n.ts';
import { RISKS, priceLabel, riskLabel } from '../../labels.ts';
import { details } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { cloudPermissions } from './cloudPermissions.ts';

/** Permissions grouped by risk, highest first; used by the agent page and the wizard's consent step. */
export function permissionsByRisk(byRisk: ManifestView['permissionsByRisk'], headingLevel: 'h3' | 'h4' = 'h3'): HTMLElement {
  const groups = RISKS.filter((risk) => byRisk[risk].length > 0);
  if (groups.length === 0) return h('p', {}, t('manifest.noPermissions'));
  return h(
    'div',
    { class: 'permissions' },
    ...groups.map((risk) =>
      h(
        'div',
        { class: 'risk-group', 'data-risk': risk },
        h(headingLevel, {}, h('span', { class: `risk risk-${risk}` }, riskLabel(risk)), ' ', t('manifest.riskCount', { n: byRisk[risk].length })),
        h('ul', {}, ...byRisk[risk].map((p) => h('li', {}, h('code', {}, p.scope), ': ', p.reason))),
      ),
    ),
  );
}

/** `cloud`: the version to read "On your cloud" for (loaded as the viewer is drawn). */
export function manifestViewer(view: ManifestView, yaml: string, cloud?: { agentId: string; version: string; signal: AbortSignal }): HTMLElement {
  const id = (s: string) => `manifest-${s}`;
  const sub = (key: string, title: string, ...content: (Node | string | null)[]) =>
    h('section', { 'aria-labelledby': id(key), class: 'manifest-part' }, h('h3', { id: id(key) }, title), ...content);
  return h(
    'div',
    { class: 'manifest' },
    sub('permissions', t('manifest.permissions'), permissionsByRisk(view.permissionsByRisk, 'h4')),
    cloud ? sub('cloud', t('manifest.cloud'), cloudPermissions(cloud.agentId, cloud.version, cloud.signal)) : null,
    sub(
      'secrets',
      t('manifest.secrets'),
      view.secrets.length
        ? h('ul', {}, ...view.secrets.map((s) => h('li', {}, h('code', {}, s.name), ` (${s.required ? t('manifest.required') : t('manifest.optional')}): `, s.description)))
        : h('p', {}, t('manifest.noSecrets')),
    ),
    sub(
      'approvals',
      t('manifest.approvals'),
      view.approvals.length
        ? h(
            'ul',
            {},
            ...view.approvals.map((a) =>
              h('li', {}, h('code', {}, a.action), ' ', h('span', { class: `risk risk-${a.risk}` }, riskLabel(a.risk)), ' ', tn('manifest.levels', a.levels), ': ', a.description),
            ),
          )
        : h('p', {}, t('manifest.noApprovals')),
    ),
    sub(
      'resources',
      t('manifest.resources'),
      details([
        [t('manifest.cpu'), String(view.resources.cpu)],
        [t('manifest.memory'), t('manifest.memoryValue', { n: formatCount(view.resources.memoryMiB) })],
        [t('manifest.timeout'), t('manifest.timeoutValue', { n: formatCount(view.resources.timeoutSeconds) })],
        [t('manifest.llm'), view.llm ? `${view.llm.purpose}${view.llm.optional ? ` (${t('manifest.optional')})` : ''}` : t('manifest.noLlm')],
      ]),
    ),
    sub('pricing', t('manifest.pricing'), h('p', {}, priceLabel(view.pricing))),
    h('details', { class: 'raw-yaml' }, h('summary', {}, t('manifest.rawYaml')), h('pre', { tabindex: 0, 'aria-label': t('manifest.rawYaml') }, yaml)),
  );
}
