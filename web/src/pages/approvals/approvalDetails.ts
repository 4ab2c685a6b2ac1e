/**
 * An approval's details: reason, a gated action's parameters (an agent's request shows its
 * details on the card itself), who requested the run, the rule it is decided under, decisions
 * so far, and what applying it did.
 */
import type { Approval } from '@agent-marketplace/client';
import { formatDateTime, t } from '../../i18n.ts';
import { href } from '../../router.ts';
import { details } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { policyPath } from '../policy/policyPath.ts';
import { decisionText, levelRuleText, resultText, type NameOf } from './approvalText.ts';

export function approvalDetails(wsId: string, a: Approval, nameOf: NameOf): Node[] {
  // A gated action is applied with these parameters.
  const shown = a.action?.params ?? {};
  const params = Object.keys(shown).length ? h('pre', { class: 'params' }, JSON.stringify(shown, null, 2)) : t('approvals.noParams');
  const total = a.rule.levels.length;
  const rule = h(
    'div',
    {},
    h('ol', { class: 'rule-levels' }, ...a.rule.levels.map((level, i) => h('li', {}, levelRuleText(level, i, total, nameOf)))),
    h('p', { class: 'hint' }, t(a.rule.allowRequester ? 'approvals.requesterMay' : 'approvals.requesterMayNot')),
  );
  const decisions = a.decisions.length
    ? h(
        'ol',
        { class: 'decisions' },
        ...a.decisions.map((d) => h('li', {}, decisionText(d, total, nameOf), d.comment ? h('q', { class: 'comment' }, d.comment) : null)),
      )
    : t('approvals.noDecisions');
  return [
    details([
      [t('approvals.reason'), a.reason],
      [t('approvals.params'), a.action ? params : null],
      [t('approvals.requester'), a.requester ? nameOf(a.requester) : t('approvals.noRequester')],
      [t(a.action ? 'approvals.created' : 'approvals.asked'), formatDateTime(a.createdAt)],
      [t('approvals.decidedAt'), a.decidedAt ? formatDateTime(a.decidedAt) : null],
      [t('approvals.rule'), rule],
      [t('approvals.decisions'), decisions],
      [t('approvals.result'), a.result ? resultText(a.result) : null],
      [t('approvals.impactNote'), a.impact?.note ?? null],
    ]),
    h('p', {}, h('a', { href: href(policyPath(wsId, a.installId)) }, t('approvals.policyLink'))),
  ];
}
