/**
 * `#/install/:wsId/:installId?step=...`: the six-step install wizard on a draft install.
 * The API saves the draft after each step, so the wizard can be left and resumed: opened
 * without a step, it goes to the first one not done yet. Each step is its own module.
 */
import type { Install, WizardStep } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { stepLabel } from '../../labels.ts';
import { href, navigate, type Page } from '../../router.ts';
import { loading, requireUser, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { chooseStep } from './steps/chooseStep.ts';
import { configureStep } from './steps/configureStep.ts';
import { connectStep } from './steps/connectStep.ts';
import { consentStep } from './steps/consentStep.ts';
import { reviewStep } from './steps/reviewStep.ts';
import { triggersStep } from './steps/triggersStep.ts';
import { STEPS, stepIndicator } from './stepIndicator.ts';
import { wizardPath, type StepContext } from './wizardContext.ts';

const RENDER: Record<WizardStep, (ctx: StepContext) => void | Promise<void>> = {
  choose: chooseStep,
  configure: configureStep,
  connect: connectStep,
  consent: consentStep,
  triggers: triggersStep,
  review: reviewStep,
};

/** Where a draft continues: a new one at the start, a resumed one at the first step it still needs. */
function resumeAt(install: Install): WizardStep {
  if (Object.keys(install.steps).every((s) => s === 'choose')) return 'choose';
  const needed: WizardStep[] = ['configure', 'connect', 'consent', 'triggers'];
  return needed.find((s) => !(s in install.steps)) ?? 'review';
}

export const wizardPage: Page = async (root, { params, query, signal }) => {
  if (!requireUser()) return;
  const wsId = params.wsId ?? '';
  const installId = params.installId ?? '';
  const heading = h('h1', {}, t('wizard.title'));
  const wait = loading();
  root.append(heading, wait);
  const install = await api.call('getInstall', { params: { wsId, installId }, signal });
  const version = await api.call('getAgentVersion', { params: { agentId: install.agentId, version: install.version }, signal }).finally(() => wait.remove());
  if (install.state !== 'draft' && !query.get('step')) {
    navigate(`/workspace`, t('wizard.alreadyDeployed', { name: version.manifest.name }), { replace: true });
    return;
  }
  const asked = query.get('step') as WizardStep | null;
  const step: WizardStep = asked && (STEPS as readonly string[]).includes(asked) ? asked : resumeAt(install);
  const title = t('wizard.titleFor', { name: version.manifest.name });
  heading.textContent = title;
  setTitle(`${stepLabel(step)} · ${title}`);
  const stepHeading = h('h2', { id: 'wizard-step-title', tabindex: -1 }, t('wizard.stepOf', { n: STEPS.indexOf(step) + 1, total: STEPS.length, name: stepLabel(step) }));
  const body = h('section', { class: 'wizard-step', 'aria-labelledby': 'wizard-step-title' }, stepHeading);
  root.append(
    h('p', { class: 'muted' }, install.state === 'draft' ? t('wizard.draftNote', { version: install.version }) : t('wizard.deployedNote', { version: install.version })),
    stepIndicator(install, step, (s) => href(wizardPath(wsId, installId, s))),
    body,
  );
  // Arriving from another page or step, focus went to the page's h1: move it on to the step's
  // heading, which announces the step and puts its controls next in the tab order.
  if (document.activeElement === heading) stepHeading.focus();
  const go = (s: WizardStep) => navigate(wizardPath(wsId, installId, s));
  // Some steps load data before they draw their controls: until then the step says it is
  // loading, so a keyboard or screen reader user is not left on a heading with nothing after it.
  const stepWait = loading();
  body.setAttribute('aria-busy', 'true');
  body.append(stepWait);
  try {
    await RENDER[step]({
      wsId,
      install,
      version,
      root: body,
      signal,
      go,
      next: () => go(STEPS[Math.min(STEPS.indexOf(step) + 1, STEPS.length - 1)]!),
    });
  } finally {
    stepWait.remove();
    body.removeAttribute('aria-busy');
  }
};
