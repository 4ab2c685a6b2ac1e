/**
 * The approval rule of one gated action in the policy editor: its levels (one to five, added
 * and removed here), and whether the run's requester may approve its own proposals.
 */
import type { ApprovalPolicy, ApprovalRule } from '@agent-marketplace/client';
import { t, tOr } from '../../i18n.ts';
import { riskLabel } from '../../labels.ts';
import { h, replace } from '../../ui/dom.ts';
import { levelEditor, type LevelEditor, type PolicyMember } from './levelEditor.ts';

export const MAX_LEVELS = 5;
const DEFAULT_LEVEL = { approvers: { roles: ['owner', 'admin', 'approver'] as ('owner' | 'admin' | 'approver')[], members: [] }, required: 1, slaMinutes: 1440, onExpiry: 'reject' as const };

export interface RuleEditor {
  action: string;
  el: HTMLFieldSetElement;
  read(): ApprovalRule;
  /** The level editors, in order (for the server's `levels.<i>` problems). */
  levels(): LevelEditor[];
  setError(message: string): void;
}

/** Where the rule in force comes from, in words. */
function sourceText(gate: ApprovalPolicy['gated'][number]): string {
  if (gate.rule === gate.action) return t('policy.source.own');
  if (gate.rule.startsWith('risk:')) return t('policy.source.risk', { risk: riskLabel(gate.rule.slice(5)) });
  return tOr(`policy.source.${gate.rule}`, gate.rule);
}

let seq = 0;

export function ruleEditor(gate: ApprovalPolicy['gated'][number], rule: ApprovalRule, members: PolicyMember[]): RuleEditor {
  const n = ++seq;
  const list = h('ol', { class: 'policy-levels' });
  let editors: LevelEditor[] = [];
  const add = h('button', { type: 'button', class: 'secondary' }, t('policy.addLevel'));
  const requester = h('input', { type: 'checkbox', id: `rule-${n}-requester`, name: 'allowRequester', checked: rule.allowRequester });
  const error = h('p', { class: 'field-error', id: `rule-${n}-error` });

  const renumber = () => {
    editors.forEach((e, i) => e.setPosition(i, editors.length));
    add.hidden = editors.length >= MAX_LEVELS;
  };
  const remove = (editor: LevelEditor) => {
    const at = editors.indexOf(editor);
    editors = editors.filter((e) => e !== editor);
    editor.el.remove();
    renumber();
    // Focus stays in the rule: on the level that took its place, or on Add.
    (editors[at] ?? editors[at - 1])?.focus();
  };
  const append = (level: ApprovalRule['levels'][number]) => {
    const editor = levelEditor(level, members, remove);
    editors.push(editor);
    list.append(editor.el);
    renumber();
    return editor;
  };
  for (const level of rule.levels) append(level);
  add.addEventListener('click', () => {
    if (editors.length >= MAX_LEVELS) return;
    // A new level asks the same people as the last one, with its time; as the last level, it expires when that is up.
    const last = editors.at(-1)?.read() ?? DEFAULT_LEVEL;
    append({ ...last, approvers: { roles: [...last.approvers.roles], members: [...last.approvers.members] }, onExpiry: 'reject' }).focus();
  });

  const el = h(
    'fieldset',
    { class: 'policy-rule', 'data-action': gate.action, 'aria-describedby': error.id },
    h('legend', {}, h('code', {}, gate.action), ' ', h('span', { class: `risk risk-${gate.risk}` }, riskLabel(gate.risk))),
    h('p', { class: 'hint' }, gate.description),
    h('p', { class: 'hint' }, sourceText(gate)),
    list,
    add,
    h('div', { class: 'field check' }, requester, h('label', { for: requester.id }, t('policy.allowRequester'))),
    error,
  );
  return {
    action: gate.action,
    el,
    read: () => ({ levels: editors.map((e) => e.read()), allowRequester: requester.checked }),
    levels: () => editors,
    setError: (message) => replace(error, message),
  };
}
