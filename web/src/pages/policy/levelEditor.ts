/**
 * One level of an approval rule in the policy editor: who may decide (roles, named members),
 * how many distinct people must approve, its SLA, and what happens when the SLA passes.
 */
import type { ApprovalLevel, Role } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { roleLabel } from '../../labels.ts';
import { field, select } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';

/** The roles a level may name (billing and viewer never decide). */
export const APPROVER_ROLES = ['owner', 'admin', 'operator', 'approver'] as const;
export type LevelInput = ApprovalLevel;
export interface PolicyMember {
  uid: string;
  email: string | null;
  role: Role;
}

export interface LevelEditor {
  el: HTMLLIElement;
  read(): LevelInput;
  /** Numbers it "Level n of total" and labels its Remove button. */
  setPosition(index: number, total: number): void;
  /** A problem the server found with this level (or one of its fields: `required`, `slaMinutes`, ...); '' clears. */
  setError(message: string, fieldName?: string): void;
  focus(): void;
}

let seq = 0;

export function levelEditor(level: ApprovalLevel, members: PolicyMember[], onRemove: (editor: LevelEditor) => void): LevelEditor {
  const n = ++seq;
  const legendId = `level-${n}-legend`;
  const legend = h('legend', { id: legendId });
  const roles = APPROVER_ROLES.map((r) => h('input', { type: 'checkbox', id: `level-${n}-role-${r}`, name: `level-${n}-roles`, value: r, checked: (level.approvers.roles as string[]).includes(r) }));
  const named = members.map((m) => h('input', { type: 'checkbox', id: `level-${n}-member-${m.uid}`, name: `level-${n}-members`, value: m.uid, checked: level.approvers.members.includes(m.uid) }));
  // A named member who has left the workspace stays in the rule until removed here (the server refuses it meanwhile).
  const gone = level.approvers.members.filter((uid) => !members.some((m) => m.uid === uid));
  const goneBoxes = gone.map((uid) => h('input', { type: 'checkbox', id: `level-${n}-member-${uid}`, name: `level-${n}-members`, value: uid, checked: true }));
  const required = h('input', { id: `level-${n}-required`, type: 'number', min: 1, max: 5, step: 1, inputmode: 'numeric', name: 'required', value: level.required });
  const sla = h('input', { id: `level-${n}-sla`, type: 'number', min: 5, max: 43_200, step: 1, inputmode: 'numeric', name: 'slaMinutes', value: level.slaMinutes });
  const expiry = select(`level-${n}-expiry`, [['reject', t('policy.onExpiry.reject')], ['escalate', t('policy.onExpiry.escalate')]], level.onExpiry);
  const error = h('p', { class: 'field-error', id: `level-${n}-error` });
  const remove = h('button', { type: 'button', class: 'secondary danger' });
  const fields: Record<string, HTMLElement> = { required, slaMinutes: sla, onExpiry: expiry };

  const el = h(
    'li',
    { class: 'policy-level' },
    h(
      'fieldset',
      { 'aria-describedby': error.id },
      legend,
      h(
        'fieldset',
        { class: 'plain approvers' },
        h('legend', {}, t('policy.roles')),
        h('div', { class: 'choices' }, ...roles.map((box, i) => h('div', { class: 'field check' }, box, h('label', { for: box.id }, roleLabel(APPROVER_ROLES[i]!))))),
      ),
      members.length || gone.length
        ? h(
            'fieldset',
            { class: 'plain approvers' },
            h('legend', {}, t('policy.members')),
            h(
              'div',
              { class: 'choices' },
              ...named.map((box, i) => h('div', { class: 'field check' }, box, h('label', { for: box.id }, t('policy.member', { name: members[i]!.email ?? members[i]!.uid, role: roleLabel(members[i]!.role) })))),
              ...goneBoxes.map((box, i) => h('div', { class: 'field check' }, box, h('label', { for: box.id }, t('policy.memberGone', { uid: gone[i]! })))),
            ),
          )
        : null,
      h('div', { class: 'level-numbers' }, field(required, t('policy.required'), '', t('policy.requiredHint')), field(sla, t('policy.sla'), '', t('policy.slaHint')), field(expiry, t('policy.onExpiry'))),
      error,
      remove,
    ),
  );

  const editor: LevelEditor = {
    el,
    read: () => ({
      approvers: {
        roles: roles.filter((b) => b.checked).map((b) => b.value as (typeof APPROVER_ROLES)[number]),
        members: [...named, ...goneBoxes].filter((b) => b.checked).map((b) => b.value),
      },
      required: Number(required.value),
      slaMinutes: Number(sla.value),
      onExpiry: expiry.value === 'escalate' ? 'escalate' : 'reject',
    }),
    setPosition(index, total) {
      replace(legend, t('approvals.level', { n: index + 1, total }));
      replace(remove, t('policy.removeLevel', { n: index + 1 }));
      remove.hidden = total <= 1;
    },
    setError(message, fieldName) {
      replace(error, message);
      for (const [name, input] of Object.entries(fields)) {
        if (message && name === fieldName) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
    },
    focus: () => (roles[0] ?? required).focus(),
  };
  remove.addEventListener('click', () => onRemove(editor));
  return editor;
}
