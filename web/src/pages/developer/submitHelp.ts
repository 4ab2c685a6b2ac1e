/**
 * How a version is submitted: the web app does not upload bundles, so this says how the CLI
 * and the REST API do it (docs/publishing.md "Submission").
 */
import { t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';

/** `agentId` fills the REST path when known; otherwise it stays a placeholder. */
export function submitHelp(publisherId: string, agentId?: string): HTMLElement[] {
  const agent = agentId ?? '{agentId}';
  const code = (text: string) => h('pre', { class: 'command', tabindex: 0 }, h('code', {}, text));
  return [
    h('p', {}, t('submit.intro')),
    code('npm run am -- publish <folder> --wait'),
    h('p', { class: 'hint' }, t('submit.cliHint')),
    h('p', {}, t('submit.rest')),
    code(`POST /v1/publishers/${publisherId}/agents/${agent}/versions\n{ "manifest": "<agent.yaml text>", "bundle": { "base64": "<gzip tarball>" } }`),
    h('p', { class: 'hint' }, t('submit.restHint')),
  ];
}
