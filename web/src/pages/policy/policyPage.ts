/**
 * `#/installs/:wsId/:installId/approval-policy`: an install's approval policy. Per gated
 * action: levels (up to five), each with approver roles and named members, how many people
 * must approve, its SLA and what happens when it passes, and whether the requester may
 * approve. Owners and admins change it (only owners may make it less strict: the server
 * says what would loosen); everyone else reads it. The wizard's triggers step keeps its
 * shorthand (approver role and levels); a rule saved here wins over it.
 */
import type { ApprovalPolicy, ApprovalRule } from '@agent-marketplace/client';
import { ApiError, api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { href, type Page } from '../../router.ts';
import { loading, requireUser, setTitle } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { wizardPath } from '../install/wizardContext.ts';
import type { PolicyMember } from './levelEditor.ts';
import { placeProblem } from './policyErrors.ts';
import { ruleEditor, type RuleEditor } from './ruleEditor.ts';
import { sameRule } from './sameRule.ts';

/** The rules the install set itself: the view fills in every gated action's rule in force, whatever its source. */
function ownRules(policy: ApprovalPolicy): Record<string, ApprovalRule> {
  const filled = new Set(policy.gated.filter((g) => g.rule !== g.action).map((g) => g.action));
  return Object.fromEntries(Object.entries(policy.rules).filter(([key]) => !filled.has(key)));
}

export const policyPage: Page = async (root, { params, signal }) => {
  if (!requireUser()) return;
  const wsId = params.wsId ?? '';
  const installId = params.installId ?? '';
  const heading = h('h1', {}, t('policy.title'));
  const wait = loading();
  root.append(heading, wait);
  const [install, loaded, ws, members] = await Promise.all([
    api.call('getInstall', { params: { wsId, installId }, signal }),
    api.call('getApprovalPolicy', { params: { wsId, installId }, signal }),
    api.call('getWorkspace', { params: { wsId }, signal }),
    api.call('listMembers', { params: { wsId }, query: { limit: 100 }, signal }),
  ]).finally(() => wait.remove());
  const title = t('policy.titleFor', { agent: install.agentId });
  heading.textContent = title;
  setTitle(title);
  const canEdit = ws.role === 'owner' || ws.role === 'admin';
  const people: PolicyMember[] = members.items.map((m) => ({ uid: m.uid, email: m.email, role: m.role }));
  const emailOf = (uid: string) => people.find((m) => m.uid === uid)?.email ?? uid;

  root.append(
    h('p', { class: 'muted' }, t('policy.install', { agent: install.agentId, version: install.version }), ' ', h('a', { href: href(wizardPath(wsId, installId, 'triggers')) }, t('policy.wizardLink'))),
    h('p', { class: 'hint' }, t('policy.intro')),
  );
  if (loaded.gated.length === 0) {
    root.append(h('p', {}, t('policy.noGated')));
    return;
  }

  const updated = h('p', { class: 'hint' });
  const problem = h('div', { class: 'form-problem', id: 'policy-problem', role: 'alert' });
  const editorsSlot = h('div');
  const save = h('button', { type: 'submit' }, t('policy.save'));
  let policy = loaded;
  let editors: RuleEditor[] = [];

  const paint = () => {
    editors = policy.gated.map((g) => ruleEditor(g, policy.rules[g.action]!, people));
    replace(editorsSlot, ...editors.map((e) => e.el));
    replace(updated, policy.updatedAt ? t('policy.updated', { when: formatDateTime(policy.updatedAt), who: emailOf(policy.updatedBy ?? '') }) : t('policy.neverChanged'));
  };
  const clearProblems = () => {
    replace(problem);
    for (const e of editors) {
      e.setError('');
      for (const l of e.levels()) l.setError('');
    }
  };
  const showProblem = (err: ApiError) => {
    const lines = err.problem?.errors?.length ? err.problem.errors.map((e) => `${e.path}: ${e.message}`) : [err.problem?.detail ?? err.message];
    replace(problem, h('p', {}, h('strong', {}, t('policy.refused')), ' ', lines.join(' '), ' ', h('code', {}, err.code)));
    for (const line of lines) {
      const at = placeProblem(line, editors);
      if (at.rule && at.level !== null) at.rule.levels()[at.level]?.setError(line, at.field ?? undefined);
      else at.rule?.setError(line);
    }
  };

  const form = h(
    'form',
    { class: 'policy', novalidate: true, 'aria-describedby': problem.id },
    h('fieldset', { class: 'plain', disabled: !canEdit }, editorsSlot),
    problem,
    canEdit ? h('div', { class: 'actions' }, save) : null,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!canEdit) return;
    clearProblems();
    void busy(save, async () => {
      const rules = ownRules(policy);
      for (const e of editors) {
        const rule = e.read();
        // Unchanged rules that come from elsewhere (a risk level, the wizard, the agent's default) stay where they come from.
        if (e.action in rules || !sameRule(rule, policy.rules[e.action])) rules[e.action] = rule;
      }
      try {
        policy = await api.call('setApprovalPolicy', { params: { wsId, installId }, body: { rules } });
      } catch (err) {
        if (err instanceof ApiError && err.problem) {
          showProblem(err);
          problem.focus();
          return;
        }
        throw err;
      }
      paint();
      showStatus(t('policy.saved'));
    }).catch(showError);
  });
  problem.tabIndex = -1;
  paint();
  const note = !canEdit ? h('p', { class: 'run-note' }, t('policy.readOnly')) : ws.role === 'admin' ? h('p', { class: 'hint' }, t('policy.adminNote')) : null;
  root.append(...[updated, note, form].filter((x) => x !== null));
};
