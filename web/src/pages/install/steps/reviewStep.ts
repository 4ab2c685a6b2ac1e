/** Step 6, review and deploy: the whole install, what is still missing (linked to its step), and Deploy. */
import type { WizardStep } from '@agent-marketplace/client';
import { api } from '../../../api.ts';
import { formatDateTime, t, tn } from '../../../i18n.ts';
import { priceLabel, roleLabel, stepLabel } from '../../../labels.ts';
import { showError } from '../../../messages.ts';
import { href, navigate } from '../../../router.ts';
import { details } from '../../../ui/common.ts';
import { busy, h } from '../../../ui/dom.ts';
import { accountLabel } from '../../cloud/connectionLabels.ts';
import { STEPS } from '../stepIndicator.ts';
import { wizardPath, type StepContext } from '../wizardContext.ts';
import { nextFiresList } from './triggersStep.ts';

export async function reviewStep(ctx: StepContext): Promise<void> {
  const review = await api.call('reviewInstall', { params: { wsId: ctx.wsId, installId: ctx.install.id }, signal: ctx.signal });
  const { install, agent, readiness } = review;
  const pricing = agent.pricing as { model: string; amountCents?: number; currency?: string; unit?: string };
  const stepLink = (step: string) =>
    (STEPS as readonly string[]).includes(step) ? h('a', { href: href(wizardPath(ctx.wsId, install.id, step as WizardStep)) }, stepLabel(step as WizardStep)) : step;

  const schedules = install.triggers.schedules.map((s) =>
    h('li', {}, h('code', {}, s.cron), ` (${s.timeZone})`, s.enabled ? null : ` ${t('wizard.review.disabled')}`, nextFiresList(review.nextFires.find((f) => f.id === s.id)?.times ?? [], s.timeZone)),
  );
  const deployed = install.state !== 'draft';
  const deploy = h('button', { type: 'button', hidden: deployed }, t('wizard.review.deploy'));
  deploy.disabled = !readiness.ready;
  deploy.addEventListener('click', () => {
    void busy(deploy, async () => {
      await api.call('deployInstall', { params: { wsId: ctx.wsId, installId: install.id } });
      navigate('/workspace', t('wizard.review.deployed', { name: agent.name }));
    }).catch(showError);
  });

  ctx.root.append(
    details([
      [t('wizard.review.agent'), `${agent.name} ${agent.version}`],
      [t('agent.pricing'), priceLabel({ model: pricing.model, amountCents: pricing.amountCents ?? 0, currency: pricing.currency ?? 'usd', unit: pricing.unit })],
      // Where the agent will act: what a person must be sure of before deploying.
      [t('wizard.cloud.title'), install.connection ? accountLabel(install.connection.provider, install.connection.account) : t('wizard.cloud.sandbox')],
      [t('wizard.review.secrets'), install.secrets.length ? install.secrets.map((s) => s.name).join(', ') : t('wizard.review.none')],
      [
        t('wizard.review.consent'),
        install.consent ? tn('wizard.review.consentGiven', install.consent.scopes.length, { when: formatDateTime(install.consent.acceptedAt) }) : t('wizard.review.consentMissing'),
      ],
      [t('wizard.review.manual'), install.triggers.manual ? t('common.yes') : t('common.no')],
      [t('wizard.review.webhook'), install.triggers.webhook.enabled ? t('common.yes') : t('common.no')],
      [
        t('wizard.review.approvals'),
        Object.keys(install.approvalPolicy).length
          ? Object.entries(install.approvalPolicy).map(([action, p]) => tn('wizard.review.approvalRule', p.levels, { action, role: roleLabel(p.approverRole) })).join('; ')
          : t('wizard.review.none'),
      ],
    ]),
    h('h3', {}, t('wizard.review.config')),
    Object.keys(install.config).length ? h('pre', { class: 'outputs', tabindex: 0 }, JSON.stringify(install.config, null, 2)) : h('p', {}, t('wizard.review.defaults')),
    h('h3', {}, t('wizard.triggers.schedules')),
    schedules.length ? h('ul', { class: 'schedules' }, ...schedules) : h('p', {}, t('wizard.review.noSchedules')),
    readiness.ready
      ? h('p', { class: 'ready' }, deployed ? t('wizard.review.live') : t('wizard.review.ready'))
      : h(
          'div',
          { class: 'missing', role: 'group', 'aria-labelledby': 'missing-title' },
          h('h3', { id: 'missing-title' }, t('wizard.review.missing')),
          h('ul', {}, ...readiness.missing.map((m) => h('li', {}, stepLink(m.step), ': ', m.message))),
        ),
    h('div', { class: 'actions' }, deploy, deployed ? h('a', { href: href('/workspace') }, t('wizard.review.backToDashboard')) : null),
  );
}
